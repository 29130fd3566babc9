#!/usr/bin/env python3
"""Generate a benchmark policy of N rules for govpki and its Cedar translation.

    python3 bench/authz/gen.py OUT_DIR --rules 1000 [--requests 10000] [--seed 1]

Writes into OUT_DIR:
  policy.yaml          the govpki policy (roles with permissions, role inheritance,
                       bindings by title, deny rules); N = permissions + deny rules
  policy-split/        the same policy in two files (half of the roles each), as a policy
                       directory is usually written; govpki parses the files in parallel
  policy.cedar         the same policy in Cedar (permit/forbid, roles as entity parents)
  requests.jsonl       requests for `govpki authz batch`
  expected.jsonl       the decision of each request by a reference evaluator (this script)
  cedar-tests.json     the same requests for `cedar run-tests`, with expected decision and
                       reasons from the reference evaluator
  cedar-entities.json, cedar-request.json, govpki-check.args
                       one request (the first) for single-process `cedar authorize` and
                       `govpki authz check`

Both engines are checked against the reference, so the comparison is on equal semantics. The
translation keeps to what both languages mean the same way: patterns are literal or end in `*`
(any suffix), conditions are domain equality and level bounds (Cedar sees levels as 0..4), and
every request carries domain and level (Cedar skips a policy whose condition errors, govpki
fails closed; with complete requests neither happens).
"""

import argparse
import json
import os
import random

ACTIONS = [
    "doc.read", "doc.write", "doc.approve", "doc.archive", "seal.apply",
    "seal.create", "seal.revoke", "cert.issue", "cert.revoke", "crl.publish",
]
KINDS = ["doc", "seal", "cert"]
LEVELS = ["public", "internal", "secret", "confidential", "top-secret"]
DOMAINS = ["intranet", "extranet", "internet"]
DEPTS = 20
PROJECTS = 40
PERMS_PER_ROLE = 9


def build(rules, seed):
    rnd = random.Random(seed)
    n_roles = max(1, rules // (PERMS_PER_ROLE + 1))
    n_denies = rules - n_roles * PERMS_PER_ROLE
    roles = []
    for i in range(n_roles):
        parents = [i - 1] if i % 4 != 0 else []
        perms = []
        for k in range(PERMS_PER_ROLE):
            dept, kind, proj = rnd.randrange(DEPTS), rnd.choice(KINDS), rnd.randrange(PROJECTS)
            if rnd.random() < 0.8:
                path = f"dept/d{dept:02}/{kind}/p{proj:02}/*"
            else:
                path = f"dept/d{dept:02}/{kind}/p{proj:02}/i{rnd.randrange(10)}"
            perms.append({
                "id": f"p{i:05}-{k}",
                "action": rnd.choice(ACTIONS),
                "path": path,
                "intranet": rnd.random() < 0.5,
                "max_level": rnd.randrange(5) if rnd.random() < 0.3 else None,
            })
        roles.append({"id": f"r{i:05}", "parents": parents, "perms": perms})
    denies = []
    for j in range(n_denies):
        dept, kind, proj = rnd.randrange(DEPTS), rnd.choice(KINDS), rnd.randrange(PROJECTS)
        by_role = rnd.random() < 0.3
        denies.append({
            "id": f"x{j:05}",
            "action": rnd.choice(ACTIONS),
            "path": f"dept/d{dept:02}/{kind}/p{proj:02}/*",
            "role": rnd.randrange(n_roles) if by_role else None,
            "internet": not by_role,
        })
    return roles, denies


def closure(roles, i):
    seen, stack = set(), [i]
    while stack:
        r = stack.pop()
        if r not in seen:
            seen.add(r)
            stack.extend(roles[r]["parents"])
    return seen


def matches(pattern, path):
    if pattern.endswith("*"):
        return path.startswith(pattern[:-1])
    return pattern == path


def decide(roles, denies, req):
    held = set()
    for t in req["titles"]:
        held |= closure(roles, t)
    forbids = [d["id"] for d in denies
               if d["action"] == req["action"] and matches(d["path"], req["path"])
               and (d["role"] is None or d["role"] in held)
               and (not d["internet"] or req["domain"] == "internet")]
    if forbids:
        return "deny", sorted(forbids)
    permits = []
    for r in held:
        for p in roles[r]["perms"]:
            if (p["action"] == req["action"] and matches(p["path"], req["path"])
                    and (not p["intranet"] or req["domain"] == "intranet")
                    and (p["max_level"] is None or req["level"] <= p["max_level"])):
                permits.append(p["id"])
    if permits:
        return "allow", sorted(permits)
    return "deny", []


def requests(roles, n, seed):
    rnd = random.Random(seed + 1)
    out = []
    for _ in range(n):
        titles = [rnd.randrange(len(roles))]
        if rnd.random() < 0.2:
            titles.append(rnd.randrange(len(roles)))
        held = sorted(closure(roles, titles[0]))
        if rnd.random() < 0.7:
            # Aim at a permission the subject holds.
            p = rnd.choice(roles[rnd.choice(held)]["perms"])
            action = p["action"]
            path = p["path"][:-1] + f"i{rnd.randrange(10)}" if p["path"].endswith("*") else p["path"]
        else:
            action = rnd.choice(ACTIONS)
            path = (f"dept/d{rnd.randrange(DEPTS):02}/{rnd.choice(KINDS)}/"
                    f"p{rnd.randrange(PROJECTS):02}/i{rnd.randrange(10)}")
        out.append({
            "titles": titles, "action": action, "path": path,
            "domain": rnd.choices(DOMAINS, weights=[6, 3, 1])[0],
            "level": rnd.randrange(5),
        })
    return out


def write_yaml(path, roles, denies, only=None):
    """Writes the policy; `only` = (start, end) writes just those roles (and no bindings or
    denies unless start is 0)."""
    start, end = only or (0, len(roles))
    with open(path, "w", encoding="utf-8") as f:
        f.write("# generated by bench/authz/gen.py\nroles:\n")
        for r in roles[start:end]:
            f.write(f"  - id: {r['id']}\n")
            if r["parents"]:
                f.write(f"    inherits: [{', '.join(roles[p]['id'] for p in r['parents'])}]\n")
            f.write("    permissions:\n")
            for p in r["perms"]:
                f.write(f"      - id: {p['id']}\n        actions: {p['action']}\n"
                        f"        resources: \"{p['path']}\"\n")
                conds = []
                if p["intranet"]:
                    conds.append("domain: [intranet]")
                if p["max_level"] is not None:
                    conds.append(f"level: {{at_most: {LEVELS[p['max_level']]}}}")
                if conds:
                    f.write(f"        when: {{{', '.join(conds)}}}\n")
        if only is not None and start != 0:
            return
        f.write("bindings:\n")
        for i, r in enumerate(roles):
            f.write(f"  - {{id: b{i:05}, subject: {{title: t{i:05}}}, roles: [{r['id']}]}}\n")
        f.write("deny:\n")
        for d in denies:
            f.write(f"  - id: {d['id']}\n    actions: {d['action']}\n    resources: \"{d['path']}\"\n")
            if d["role"] is not None:
                f.write(f"    roles: [{roles[d['role']]['id']}]\n")
            if d["internet"]:
                f.write("    when: {domain: [internet]}\n")


def cedar_path(pattern):
    if pattern.endswith("*"):
        return f'context.path like "{pattern}"'
    return f'context.path == "{pattern}"'


def write_cedar(path, roles, denies):
    with open(path, "w", encoding="utf-8") as f:
        for r in roles:
            for p in r["perms"]:
                conds = [cedar_path(p["path"])]
                if p["intranet"]:
                    conds.append('context.domain == "intranet"')
                if p["max_level"] is not None:
                    conds.append(f"context.level <= {p['max_level']}")
                f.write(f'@id("{p["id"]}")\npermit(principal in Role::"{r["id"]}", '
                        f'action == Action::"{p["action"]}", resource) when {{ {" && ".join(conds)} }};\n')
        for d in denies:
            principal = f'principal in Role::"{roles[d["role"]]["id"]}"' if d["role"] is not None else "principal"
            conds = [cedar_path(d["path"])]
            if d["internet"]:
                conds.append('context.domain == "internet"')
            f.write(f'@id("{d["id"]}")\nforbid({principal}, action == Action::"{d["action"]}", '
                    f'resource) when {{ {" && ".join(conds)} }};\n')


def entities(roles, req, k):
    held = set()
    for t in req["titles"]:
        held |= closure(roles, t)
    ents = [{"uid": {"type": "User", "id": f"q{k}"}, "attrs": {},
             "parents": [{"type": "Role", "id": roles[t]["id"]} for t in req["titles"]]}]
    for r in sorted(held):
        ents.append({"uid": {"type": "Role", "id": roles[r]["id"]}, "attrs": {},
                     "parents": [{"type": "Role", "id": roles[p]["id"]} for p in roles[r]["parents"]]})
    return ents


def cedar_request(req, k):
    return {"principal": f'User::"q{k}"', "action": f'Action::"{req["action"]}"',
            "resource": 'Resource::"r"',
            "context": {"path": req["path"], "domain": req["domain"], "level": req["level"]}}


def govpki_request(req):
    titles = [f"t{t:05}" for t in req["titles"]]
    return {"subject": {"title": titles if len(titles) > 1 else titles[0]},
            "action": req["action"], "resource": req["path"],
            "context": {"domain": req["domain"], "level": LEVELS[req["level"]]}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--rules", type=int, default=1000)
    ap.add_argument("--requests", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    roles, denies = build(args.rules, args.seed)
    reqs = requests(roles, args.requests, args.seed)
    write_yaml(os.path.join(args.out, "policy.yaml"), roles, denies)
    split = os.path.join(args.out, "policy-split")
    os.makedirs(split, exist_ok=True)
    half = len(roles) // 2
    write_yaml(os.path.join(split, "a.yaml"), roles, denies, (0, half))
    write_yaml(os.path.join(split, "b.yaml"), roles, denies, (half, len(roles)))
    write_cedar(os.path.join(args.out, "policy.cedar"), roles, denies)
    tests = []
    allows = 0
    with open(os.path.join(args.out, "requests.jsonl"), "w", encoding="utf-8") as rq, \
            open(os.path.join(args.out, "expected.jsonl"), "w", encoding="utf-8") as ex:
        for k, req in enumerate(reqs):
            decision, reasons = decide(roles, denies, req)
            allows += decision == "allow"
            rq.write(json.dumps(govpki_request(req), ensure_ascii=False) + "\n")
            ex.write(json.dumps({"decision": decision, "reasons": reasons}) + "\n")
            tests.append({"name": f"q{k}", "request": cedar_request(req, k),
                          "entities": entities(roles, req, k), "decision": decision,
                          "reason": reasons, "num_errors": 0})
    with open(os.path.join(args.out, "cedar-tests.json"), "w", encoding="utf-8") as f:
        json.dump(tests, f)
    # The single-process request: the first one with one title.
    k, first = next((k, r) for k, r in enumerate(reqs) if len(r["titles"]) == 1)
    with open(os.path.join(args.out, "cedar-entities.json"), "w", encoding="utf-8") as f:
        json.dump(entities(roles, first, k), f)
    with open(os.path.join(args.out, "cedar-request.json"), "w", encoding="utf-8") as f:
        json.dump(cedar_request(first, k), f)
    g = govpki_request(first)
    check_args = ["--subject", f"title={g['subject']['title']}",
                  "--action", g["action"], "--resource", g["resource"],
                  "--context", f"domain={g['context']['domain']}", "--context", f"level={g['context']['level']}"]
    with open(os.path.join(args.out, "govpki-check.args"), "w", encoding="utf-8") as f:
        f.write("\n".join(check_args) + "\n")
    print(f"{args.out}: {len(roles)} roles, {len(roles) * PERMS_PER_ROLE} permissions, "
          f"{len(denies)} deny rules ({len(roles) * PERMS_PER_ROLE + len(denies)} rules); "
          f"{len(reqs)} requests, {allows} allowed by the reference")


if __name__ == "__main__":
    main()
