"""Print the README's "Reliability" table from var/faults.json (`python -m tests.faults.table`)."""

import json

from tests.faults.stack import RESULTS

ROWS = [
    ("redis", "Redis stopped for {fault_s:.0f} s"),
    ("postgresql", "PostgreSQL stopped {fault_s:.0f} s and started again"),
    ("smtp", "mail relay refusing for an hour (by the clock)"),
    ("report_worker_killed", "worker killed (SIGKILL) while building a report"),
    ("beat", "beat stopped for a day and two hours (by the clock)"),
    ("backup_restore", "backup restored into a fresh database"),
]


def _errors(errors: dict) -> str:
    return ", ".join(f"{n} × {kind}" for kind, n in sorted(errors.items())) or "0"


def _recovery(key: str, figures: dict) -> str:
    seconds = figures.get("recovery_s")
    if seconds is None or key == "backup_restore":
        return "–"
    if key == "smtp":
        return f"{seconds / 60:.0f} min after the relay answers (simulated)"
    if key == "beat":
        return "the first run back"
    if key == "report_worker_killed":
        return f"failed after {seconds:.0f} s; built again on the next request"
    if key == "postgresql":
        return f"{seconds:.2f} s to the first answered page; mail caught up in {figures['mail_caught_up_s']:.0f} s"
    return f"mail caught up {seconds:.0f} s after Redis answered"


def main() -> str:
    results = json.loads(RESULTS.read_text())
    lines = ["| fault | requests | errors | lost | duplicate e-mails | recovery |", "|---|---:|---|---:|---:|---|"]
    for key, label in ROWS:
        f = results.get(key)
        if not f:
            continue
        requests = f["requests"]
        if "requests_during_fault" in f:
            requests = f"{requests} ({f['requests_during_fault']} during)"
        lines.append(
            f"| {label.format(**f)} | {requests} | {_errors(f['errors'])} | {f['lost']} | {f['duplicates']} "
            f"| {_recovery(key, f)} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(main())
