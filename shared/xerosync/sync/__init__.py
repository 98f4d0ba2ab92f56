"""The use cases: one store event in, the right Xero documents out."""
