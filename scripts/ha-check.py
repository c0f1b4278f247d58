#!/usr/bin/env python3
"""The failover scenario of scripts/ha-test, against instances it already started.

Writers create agents through both instances, each write under its own Idempotency-Key and retried
until acknowledged; a reader follows GET /api/v1/events. Meanwhile the primary node's whole process
group is killed; writes must resume on the promoted standby without restarting Agentic, and the old
primary must rejoin as a standby. Then: every acknowledged write is there exactly once, and the
reader saw every agent.created event of the log exactly once, and none that the log lost.

Standard library only. Exits 0 when every check held, 1 otherwise; prints the figures either way.
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse


def log(message):
    print(f"ha-test: {message}", flush=True)


class Api:
    """One keep-alive connection to one instance (one per thread)."""

    def __init__(self, base, key, timeout=30):
        parsed = urllib.parse.urlsplit(base)
        self.host, self.port = parsed.hostname, parsed.port
        self.key = key
        self.timeout = timeout
        self.connection = None

    def call(self, method, path, body=None, headers=None):
        """(status, json body or None, headers); raises OSError and friends on connection trouble."""
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        all_headers = {"X-API-Key": self.key}
        if body is not None:
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        try:
            self.connection.request(method, path, body=None if body is None else json.dumps(body), headers=all_headers)
            response = self.connection.getresponse()
            data = response.read()
        except Exception:
            self.connection.close()
            self.connection = None
            raise
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = None
        return response.status, parsed, dict(response.getheaders())


class Scenario:
    def __init__(self, args):
        self.args = args
        self.bases = args.bases.split(",")
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.writers_done = threading.Event()
        self.acknowledged = {}  # name -> agent_id
        self.unavailable = 0
        self.in_progress = 0
        self.connection_errors = 0
        self.other_failures = []
        self.missing_retry_after = 0
        self.killed_at = None
        self.first_503 = None
        self.first_success_after = None
        self.successes_after_outage = 0
        self.seen_events = []  # (event_id, resource_id) in the order the reader got them
        self.reader_errors = 0
        self.ready_503 = 0
        self.ready_other = []

    # --- writers ---

    def writer(self, index):
        api = Api(self.bases[index % len(self.bases)], self.args.key)
        sequence = 0
        while not self.stopping.is_set():
            sequence += 1
            self.write(api, f"ha-{index}-{sequence}")
            time.sleep(0.02)

    def write(self, api, name):
        while True:
            sent = time.monotonic()
            try:
                status, body, headers = api.call("POST", "/api/v1/agents", {"name": name}, {"Idempotency-Key": name})
            except Exception:
                with self.lock:
                    self.connection_errors += 1
                if self.stopping.is_set():
                    return
                time.sleep(0.1)
                continue
            with self.lock:
                if status == 201:
                    self.acknowledged[name] = body["agent_id"]
                    if self.first_503 is not None and sent >= self.first_503:
                        self.successes_after_outage += 1
                        if self.first_success_after is None:
                            self.first_success_after = time.monotonic()
                    return
                if status == 503:
                    self.unavailable += 1
                    if "Retry-After" not in headers:
                        self.missing_retry_after += 1
                    if self.first_503 is None and self.killed_at is not None:
                        self.first_503 = time.monotonic()
                elif status == 409 and body and body.get("code") == "idempotency_in_progress":
                    # The first attempt's reservation was cut off by the failover; it lapses by itself.
                    self.in_progress += 1
                else:
                    self.other_failures.append(f"{status} {json.dumps(body)[:300]}")
                    return
            # Retry-After says 1 s; a shorter pause measures the outage more finely.
            time.sleep(0.1)

    # --- the event reader ---

    def reader(self):
        """Follows agent.created events with long-polls, alternating instances, resuming after errors."""
        apis = [Api(base, self.args.key, timeout=40) for base in self.bases]
        after, turn = 0, 0
        # Until the writers have finished (their last writes may still be acknowledged after the
        # stop) and every acknowledged write's event has arrived.
        while not self.writers_done.is_set() or not self.reader_caught_up(after):
            api = apis[turn % len(apis)]
            turn += 1
            try:
                status, body, _ = api.call("GET", f"/api/v1/events?after={after}&types=agent.created&limit=200&wait=2")
            except Exception:
                self.reader_errors += 1
                time.sleep(0.2)
                continue
            if status != 200:
                self.reader_errors += 1
                time.sleep(0.2)
                continue
            with self.lock:
                for event in body["data"]:
                    self.seen_events.append((event["event_id"], event["resource_id"]))
            after = body["next_after"]
            if self.writers_done.is_set() and time.monotonic() > self.reader_deadline:
                return

    def reader_caught_up(self, after):
        with self.lock:
            seen = {resource for _, resource in self.seen_events}
            return all(agent_id in seen for agent_id in self.acknowledged.values())

    # --- readiness while it happens ---

    def readiness_watch(self):
        apis = [Api(base, self.args.key, timeout=10) for base in self.bases]
        while not self.stopping.is_set():
            if self.killed_at is not None and self.first_success_after is None:
                for api in apis:
                    try:
                        status, body, _ = api.call("GET", "/health/ready")
                    except Exception as error:
                        self.ready_other.append(f"readiness: {error}")
                        continue
                    if status == 503:
                        self.ready_503 += 1
            time.sleep(0.2)

    # --- the cluster ---

    def cluster(self, *arguments):
        return subprocess.run(
            [self.args.cluster_script, *arguments], check=True, capture_output=True, text=True
        ).stdout.strip()

    def wait_for(self, what, condition, limit):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.1)
        log(f"gave up waiting for {what} after {limit} s")
        return False

    def run(self):
        started = time.monotonic()
        failures = []
        threads = [threading.Thread(target=self.writer, args=(i,), daemon=True) for i in range(self.args.writers)]
        threads.append(threading.Thread(target=self.readiness_watch, daemon=True))
        reader = threading.Thread(target=self.reader, daemon=True)
        self.reader_deadline = float("inf")
        for thread in threads + [reader]:
            thread.start()

        if not self.wait_for("the first writes", lambda: len(self.acknowledged) >= 200, 60):
            failures.append("writes did not start")
        self.cluster("wait-sync", self.args.dir, "120")
        old_primary = self.cluster("primary", self.args.dir)
        standby = "node2" if old_primary == "node1" else "node1"
        before = len(self.acknowledged)
        log(f"{before} writes acknowledged; {old_primary} is primary, {standby} a synchronous standby; killing {old_primary}'s process group")
        self.killed_at = time.monotonic()
        self.cluster("kill", old_primary, self.args.dir)

        if not self.wait_for("writes to resume", lambda: self.successes_after_outage >= 100, 120):
            failures.append("writes did not resume on the promoted standby")
        resumed_at = time.monotonic()
        new_primary = self.cluster("primary", self.args.dir)
        if new_primary != standby:
            failures.append(f"the monitor names {new_primary or 'no node'} primary, not {standby}")
        log(f"writes resumed on {new_primary}; starting {old_primary}'s pg_autoctl again")
        self.cluster("start", old_primary, self.args.dir)
        rejoin_started = time.monotonic()
        try:
            self.cluster("wait-sync", self.args.dir, "120")
            rejoined = time.monotonic() - rejoin_started
            if self.cluster("primary", self.args.dir) != standby:
                failures.append("the primary moved again while the old one rejoined")
        except subprocess.CalledProcessError as error:
            failures.append(f"{old_primary} did not rejoin as a synchronous standby: {error.stderr}")
            rejoined = None
        time.sleep(2)  # writes go on with the old primary as standby

        self.stopping.set()
        for thread in threads:
            thread.join(60)
        self.reader_deadline = time.monotonic() + 30
        self.writers_done.set()
        reader.join(40)
        self.reader_alive = reader.is_alive()
        return self.check(failures, started, resumed_at, rejoined, old_primary, new_primary)

    # --- the checks ---

    def all_agents(self, api):
        names, cursor = {}, None
        while True:
            status, body, _ = api.call("GET", "/api/v1/agents?limit=200" + (f"&cursor={cursor}" if cursor else ""))
            if status != 200:
                raise RuntimeError(f"listing agents answered {status}: {body}")
            for agent in body["data"]:
                names.setdefault(agent["name"], []).append(agent["agent_id"])
            cursor = body["next_cursor"]
            if not cursor:
                return names

    def whole_log(self, api):
        events, after = [], 0
        while True:
            status, body, _ = api.call("GET", f"/api/v1/events?after={after}&types=agent.created&limit=200")
            if status != 200:
                raise RuntimeError(f"reading the log answered {status}: {body}")
            events += [(event["event_id"], event["resource_id"]) for event in body["data"]]
            if not body["data"]:
                return events
            after = body["next_after"]

    def check(self, failures, started, resumed_at, rejoined, old_primary, new_primary):
        api = Api(self.bases[0], self.args.key)
        names = self.all_agents(api)
        log_events = self.whole_log(api)
        acknowledged = dict(self.acknowledged)
        missing = [name for name in acknowledged if name not in names]
        twice = [name for name, ids in names.items() if len(ids) > 1]
        seen_ids = [event_id for event_id, _ in self.seen_events]
        duplicated = len(seen_ids) - len(set(seen_ids))
        out_of_order = sum(1 for a, b in zip(seen_ids, seen_ids[1:]) if b <= a)
        seen_resources = {resource for _, resource in self.seen_events}
        log_ids = {event_id for event_id, _ in log_events}
        unseen_acknowledged = [agent_id for agent_id in acknowledged.values() if agent_id not in seen_resources]
        missed_from_log = log_ids - set(seen_ids)
        phantom = set(seen_ids) - log_ids
        alive = [pid for pid in self.args.pids.split(",") if os.path.exists(f"/proc/{pid}")]

        if missing:
            failures.append(f"{len(missing)} acknowledged writes are missing, such as {missing[:3]}")
        if twice:
            failures.append(f"{len(twice)} writes were made twice, such as {twice[:3]}")
        if duplicated or out_of_order:
            failures.append(f"the reader got {duplicated} events twice and {out_of_order} out of order")
        if unseen_acknowledged:
            failures.append(f"the reader never saw the event of {len(unseen_acknowledged)} acknowledged writes")
        if missed_from_log:
            failures.append(f"the reader skipped {len(missed_from_log)} events of the log")
            ordered = sorted(seen_ids)
            for event_id in sorted(missed_from_log)[:5]:
                below = [i for i in ordered if i < event_id][-2:]
                above = [i for i in ordered if i > event_id][:2]
                log(f"skipped event {event_id} (transaction {event_id >> 20}); the reader saw {below} before it and {above} after it"
                    f"; the reader thread {'was still running' if self.reader_alive else 'had finished'}")
        if phantom:
            failures.append(f"the reader saw {len(phantom)} events the log no longer has (lost in the failover)")
        if self.other_failures:
            failures.append(f"{len(self.other_failures)} writes failed otherwise: {self.other_failures[:3]}")
        if self.unavailable == 0:
            failures.append("no 503 was seen: the failover was not felt")
        if self.missing_retry_after:
            failures.append(f"{self.missing_retry_after} answers 503 had no Retry-After")
        if self.ready_503 == 0:
            failures.append("readiness never answered 503 during the outage")
        if len(alive) != len(self.args.pids.split(",")):
            failures.append("an Agentic instance exited")

        outage = (self.first_success_after - self.first_503) if self.first_503 and self.first_success_after else None
        kill_to_success = (self.first_success_after - self.killed_at) if self.first_success_after and self.killed_at else None
        figures = {
            "outage_seconds": round(outage, 2) if outage is not None else None,
            "kill_to_first_write_seconds": round(kill_to_success, 2) if kill_to_success is not None else None,
            "old_primary_rejoined_seconds": round(rejoined, 1) if rejoined is not None else None,
            "acknowledged_writes": len(acknowledged),
            "missing": len(missing),
            "duplicated_writes": len(twice),
            "answers_503": self.unavailable,
            "answers_409_in_progress": self.in_progress,
            "connection_errors": self.connection_errors,
            "readiness_503": self.ready_503,
            "events_followed": len(seen_ids),
            "events_in_log": len(log_ids),
            "events_lost": len(missed_from_log) + len(unseen_acknowledged),
            "events_duplicated": duplicated,
            "scenario_seconds": round(time.monotonic() - started, 1),
            "killed": old_primary,
            "promoted": new_primary,
        }
        log("figures " + json.dumps(figures))
        for failure in failures:
            log("FAILED: " + failure)
        if self.args.figures:
            with open(self.args.figures, "w") as out:
                json.dump(figures, out, indent=2)
        return 0 if not failures else 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True, help="the deploy/ha/cluster directory")
    parser.add_argument("--cluster-script", required=True)
    parser.add_argument("--bases", required=True, help="comma-separated base URLs of the Agentic instances")
    parser.add_argument("--pids", required=True, help="comma-separated pids of the Agentic instances")
    parser.add_argument("--key", required=True)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--figures", help="write the figures as JSON here")
    sys.exit(Scenario(parser.parse_args()).run())


if __name__ == "__main__":
    main()
