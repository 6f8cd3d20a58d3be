#!/usr/bin/env python3
"""A CKAN JSON Lines dump for the portal-batch benchmark: N packages, about 5 resources each, with
the mix a city portal shows (licenses of every status, a few private packages, hosts per
organization, some packages without resources). Deterministic for a given seed.

    python3 bench/gen_ckan.py 100000 bench/work/ckan-100k.jsonl
"""
import json
import random
import sys

LICENSES = ["cc-by", "cc-by-4.0", "odc-odbl", "cc-zero", "other-open", "notspecified", "cc-nc",
            "uk-ogl", "CC-BY-SA-4.0", "odc-pddl", "gfdl", "other-closed", ""]
FORMATS = ["CSV", "JSON", "GeoJSON", "XLSX", "PDF", "API"]


def package(i, rng):
    org = f"org-{rng.randrange(400)}"
    host = f"https://data{rng.randrange(3)}.city{rng.randrange(50)}.example.org"
    n = 0 if rng.random() < 0.01 else max(1, int(rng.gauss(5, 2)))
    resources = []
    for r in range(n):
        fmt = rng.choice(FORMATS)
        url = f"{host}/dataset/{i}/resource/{r}/download/file-{r}.{fmt.lower()}"
        if rng.random() < 0.02:
            url = "" if rng.random() < 0.5 else f"file:///srv/data/{i}-{r}"
        res = {"id": f"{i:08d}-{r}", "name": f"Resource {r} of {i}", "format": fmt, "url": url,
               "description": "A resource " * rng.randrange(1, 12)}
        if rng.random() < 0.03:
            res["license"] = rng.choice(LICENSES)
        resources.append(res)
    return {
        "id": f"pkg-{i:08d}", "name": f"dataset-{i}", "title": f"Dataset number {i}",
        "license_id": rng.choice(LICENSES), "license_title": "title", "owner_org": org,
        "private": rng.random() < 0.01, "notes": "Notes about the dataset. " * rng.randrange(1, 20),
        "metadata_created": "2024-01-01T00:00:00", "num_resources": n, "resources": resources,
        "tags": [{"name": f"tag{rng.randrange(100)}"} for _ in range(rng.randrange(0, 6))],
    }


def main():
    count, out = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    with open(out, "w") as f:
        for i in range(count):
            f.write(json.dumps(package(i, rng)))
            f.write("\n")


if __name__ == "__main__":
    main()
