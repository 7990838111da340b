#!/usr/bin/env python3
"""Writes a seed file with N tasks in one project (default 100 000), for `just bench`.

Tasks come in work packages of ten: a top-level task and nine sub-tasks, each sub-task
waiting for the one before it, and every package's first task for the previous package's
(chains of five packages), assigned round-robin to five people."""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
out = sys.stdout
out.write("departments:\n  - key: rd\n    name: 研发部\nusers:\n")
for u in range(5):
    out.write(f"  - key: u{u}\n    email: bench-u{u}@example.com\n    name: 工程师{u}\n"
              f"    department: rd\n    position: 工程师\n")
out.write("projects:\n  - key: bench\n    name: 压测项目（API）\n    departments: [rd]\n"
          "    start_date: 2026-01-01\n    end_date: 2027-12-31\n    members:\n")
for u in range(5):
    out.write(f"      - user: u{u}\n        role: editor\n")
out.write("    milestones:\n      - key: m1\n        name: 第一阶段\n        date: 2026-06-30\n    tasks:\n")
for i in range(n):
    g, k = divmod(i, 10)
    out.write(f"      - key: t{i}\n        title: 任务 {i} 的标题\n        assignee: u{i % 5}\n"
              f"        priority: {('high', 'medium', 'low')[i % 3]}\n        due_date: 2026-{1 + i % 12:02d}-15\n")
    if k == 0:
        out.write("        milestone: m1\n")
        if g % 5 != 0:
            out.write(f"        depends_on: [t{i - 10}]\n")
    else:
        out.write(f"        parent: t{i - k}\n")
        if k >= 2:
            out.write(f"        depends_on: [t{i - 1}]\n")
