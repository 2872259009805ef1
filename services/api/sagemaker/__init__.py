"""The SageMaker front door: boto3's `sagemaker` and `sagemaker-a2i-runtime` clients, unmodified, pointed at
Groundwork. Each operation translates AWS's shapes onto Groundwork's own services (jobs, workforces, workteams,
templates, flows and human loops): one system, two front doors."""
