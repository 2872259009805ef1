"""kombu's `filesystem://` transport with atomic message files: the embedded default's serverless broker.

kombu writes a message by creating `<time>_<uuid>.<queue>.msg` and then writing into it, while a consumer moves
away and reads any `.msg` file it lists. A consumer polling between the two reads an empty file, and the worker
dies on the JSON error ("Unrecoverable error: JSONDecodeError"). Here the message is written under a name no
consumer matches (`….msg.partial`) and renamed into place, which is atomic on one filesystem, so a consumer only
ever sees whole messages. `install()` points the `filesystem` alias at this transport for producers and workers
alike.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

import kombu.transport
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

ALIAS = "filesystem"


class Channel(filesystem.Channel):  # type: ignore[misc]
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + ".partial"
        with open(partial, "wb") as handle:
            handle.write(str_to_bytes(dumps(payload)))
        os.replace(partial, final)


class Transport(filesystem.Transport):  # type: ignore[misc]
    Channel = Channel


def install() -> None:
    kombu.transport.TRANSPORT_ALIASES[ALIAS] = f"{__name__}:Transport"
