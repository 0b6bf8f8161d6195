"""The OASIS CSAF 2.0 JSON schema and the FIRST CVSS schemas it refers to, kept here so
validation never needs the network (licences beside them)."""
