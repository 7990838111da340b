#!/usr/bin/env python3
"""Validates seed files (YAML or JSON) against api-spec/seed.schema.json with a third-party
JSON Schema validator, so the published schema is checked by someone other than its author.
Usage: seed_schema_check.py SCHEMA FILE..."""
import json
import sys

import jsonschema
import yaml


class Loader(yaml.SafeLoader):
    """YAML 1.2 reading, as the CLI's: dates stay strings (PyYAML follows YAML 1.1)."""


Loader.yaml_implicit_resolvers = {
    k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
bad = 0
for path in sys.argv[2:]:
    doc = yaml.load(open(path, encoding="utf-8"), Loader=Loader)
    for e in validator.iter_errors(doc):
        bad += 1
        print(f"{path}: {'/'.join(map(str, e.absolute_path))}: {e.message}", file=sys.stderr)
if bad:
    sys.exit(1)
print(f"seed schema: {len(sys.argv) - 2} file(s) valid")
