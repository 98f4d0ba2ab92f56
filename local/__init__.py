"""The developer's and the demo's runtime: moto for AWS, a Xero sandbox, a store simulator,
and a runner that wires the functions exactly as template.yaml does. Nothing in here ships."""
