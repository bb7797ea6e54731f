#!/usr/bin/env python3
"""Attacks on a running voisinage server from many loopback source
addresses (127.0.0.2 …), as issue 11's checker would: repeated list
parameters, floods of expensive reads, login bursts, lockout attempts,
known/unknown e-mail timing, proposal/report/registration bursts, and a
held database lock. Prints what it measures. See docs/RELIABILITY.md.

    go build -o /tmp/voisinage ./cmd/voisinage
    /tmp/voisinage -addr 127.0.0.1:18110 -db /tmp/a/v.db -tile-url "" -log-level WARN &
    for u in "mod@attack.test:Mod:moderator:moderator passphrase" \
             "contrib@attack.test:Contrib:contributor:contrib passphrase" \
             "fresh@attack.test:Fresh:contributor:fresh passphrase"; do
      IFS=: read e n r p <<< "$u"
      VOISINAGE_PASSWORD="$p" /tmp/voisinage user add -db /tmp/a/v.db -email "$e" -name "$n" -role "$r"
    done
    python3 docs/bench/attack.py 18110 $SERVER_PID /tmp/a/v.db

On PostgreSQL, give the server and the script the database's URL (-db
postgres://…): the held lock is then another session holding the writer
lock (psql), as another server's write transaction would.

It needs python3 and the sqlite3 shell (psql for PostgreSQL); it uses a
fresh database (the limits it meets are counted per hour)."""
import http.client, json, sys, threading, time, statistics, subprocess, os, sqlite3, urllib.parse

HOST, PORT = "127.0.0.1", int(sys.argv[1])
PID = int(sys.argv[2])
DB = sys.argv[3]

def rss():
    for l in open(f"/proc/{PID}/status"):
        if l.startswith("VmRSS"):
            return int(l.split()[1]) // 1024
    return -1

def req(method, path, body=None, src=2, cookies=None, timeout=120):
    conn = http.client.HTTPConnection(HOST, PORT, timeout=timeout, source_address=(f"127.0.{src // 250}.{src % 250 + 2}", 0))
    h = {}
    if body is not None:
        body = json.dumps(body)
        h["Content-Type"] = "application/json"
    if cookies:
        h["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    t = time.time()
    try:
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
    except Exception as e:
        return 0, str(e).encode(), {}, time.time() - t, {}
    took = time.time() - t
    set_cookies = {}
    for k, v in r.getheaders():
        if k.lower() == "set-cookie":
            name, _, rest = v.partition("=")
            set_cookies[name] = rest.split(";")[0]
    return r.status, data, dict(r.getheaders()), took, set_cookies

def burst(n, fn):
    out = [None] * n
    go = threading.Event()
    def run(i):
        go.wait()
        out[i] = fn(i)
    ts = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in ts: t.start()
    go.set()
    for t in ts: t.join()
    return out

def counts(sts):
    c = {}
    for s in sts: c[s] = c.get(s, 0) + 1
    return dict(sorted(c.items()))

def section(title):
    print(f"\n## {title}", flush=True)

# --- accounts
section("setup")
st, b, _, _, ck = req("POST", "/api/login", {"email": "mod@attack.test", "password": "moderator passphrase"}, src=1)
print("moderator login", st)
mod_cookies = ck

# --- 1. repeated list values, 6 at once (the attack)
section("repeated list values: kind=commune ×3000, 6 at once")
path = "/api/collections/actors/items?limit=10&kind=" + ",".join(["commune"] * 3000)
print(f"URL length {len(path)} B, RSS before {rss()} MiB")
normal = []
def slow(i):
    return req("GET", path, src=10 + i)
res = [None]
th = threading.Thread(target=lambda: res.__setitem__(0, burst(6, slow)))
th.start()
time.sleep(0.05)
st, _, _, took, _ = req("GET", "/api/collections/actors/items?limit=10&kind=commune", src=50)
normal.append(took)
th.join()
print("statuses", counts([r[0] for r in res[0]]), "max time %.3f s" % max(r[3] for r in res[0]),
      "normal request meanwhile %.3f s" % normal[0], f"RSS after {rss()} MiB")
path101 = "/api/collections/actors/items?department=" + ",".join(f"{i:02d}" for i in range(1, 102))
st, b, _, _, _ = req("GET", path101, src=51)
print("101 different departments:", st, b[:160])

# --- 2. flood of expensive reads
section("flood: 200 expensive reads at once (whole-world clusters at zoom 24, exports, 10,000-item pages)")
paths = ["/api/clusters?zoom=24&bbox=-180,-85,180,85", "/api/export/actors.geojson", "/api/export/actors.csv",
         "/api/collections/actors/items?limit=10000&bbox=-180,-90,180,90"]
print(f"RSS before {rss()} MiB")
peak = [0]
stop = threading.Event()
def watch():
    while not stop.is_set():
        peak[0] = max(peak[0], rss()); time.sleep(0.05)
w = threading.Thread(target=watch); w.start()
res = burst(200, lambda i: req("GET", paths[i % len(paths)], src=100 + i))
probe = req("GET", "/healthz", src=99)
stop.set(); w.join()
c = counts([r[0] for r in res])
ra = {r[2].get("Retry-After") for r in res if r[0] == 503}
print("statuses", c, "Retry-After", ra, "max time %.2f s" % max(r[3] for r in res), f"RSS peak {peak[0]} MiB, after {rss()} MiB",
      "healthz", probe[0])

# --- 3. login burst on the moderator's account
section("login burst: 200 wrong passwords + the right one at once, from 201 addresses")
before = req("GET", "/metrics", src=1)[1].decode()
def evals(m):
    for l in m.splitlines():
        if l.startswith("voisinage_password_evaluations_total"):
            return float(l.split()[1])
e0 = evals(before)
res = burst(201, lambda i: req("POST", "/api/login", {"email": "mod@attack.test",
            "password": "moderator passphrase" if i == 100 else f"guess {i} xxxxxxxx"}, src=300 + i))
e1 = evals(req("GET", "/metrics", src=1)[1].decode())
print("statuses", counts([r[0] for r in res]), "password evaluations", int(e1 - e0))
st, b, h, _, _ = req("POST", "/api/login", {"email": "mod@attack.test", "password": "moderator passphrase"}, src=700)
print("a new browser with the right password now:", st, h.get("Retry-After"), b[:140])
st, b, h, _, ck = req("POST", "/api/login", {"email": "mod@attack.test", "password": "moderator passphrase"}, src=1, cookies=mod_cookies)
print("the moderator's own browser (device cookie):", st)
mod_cookies.update(ck)

# --- 4. known vs unknown e-mails: answers and timing
section("known vs unknown e-mails: login and registration")
times = {"known": [], "unknown": []}
bodies = {"known": set(), "unknown": set()}
# Interleaved, each from its own address; 5 attempts each (the account's
# untrusted evaluations), then the 6th is refused for both.
for i in range(5):
    for kind, email in (("known", "contrib@attack.test"), ("unknown", "nobody@attack.test")):
        st, b, _, took, _ = req("POST", "/api/login", {"email": email, "password": "wrong password x"}, src=800 + i * 2 + (kind == "unknown"))
        times[kind].append(took); bodies[kind].add((st, b))
print("login 401 ×5: known median %.1f ms %s, unknown median %.1f ms %s; bodies equal: %s" % (
    statistics.median(times["known"]) * 1000, [round(x * 1000) for x in times["known"]],
    statistics.median(times["unknown"]) * 1000, [round(x * 1000) for x in times["unknown"]], bodies["known"] == bodies["unknown"]))
st1, b1, _, t1, _ = req("POST", "/api/login", {"email": "contrib@attack.test", "password": "wrong password x"}, src=900)
st2, b2, _, t2, _ = req("POST", "/api/login", {"email": "nobody@attack.test", "password": "wrong password x"}, src=901)
print("6th attempt: known", st1, "%.1f ms" % (t1 * 1000), "unknown", st2, "%.1f ms" % (t2 * 1000), "bodies equal:", b1 == b2)
reg = {"taken": [], "new": []}
bodies = set()
for i in range(6):
    r1 = req("POST", "/api/register", {"email": "contrib@attack.test", "display_name": f"Quelqu'un {i + 2}", "password": "a long passphrase"}, src=902 + 2 * i)
    r2 = req("POST", "/api/register", {"email": f"nouveau{i}@attack.test", "display_name": f"Quelqu'un d'autre {i + 2}", "password": "a long passphrase"}, src=903 + 2 * i)
    reg["taken"].append(r1[3]); reg["new"].append(r2[3]); bodies.add((r1[0], r1[1])); bodies.add((r2[0], r2[1]))
    if "voisinage_session" in r1[4] or "voisinage_session" in r2[4]:
        print("a registration logged in")
print("register ×6: taken median %.0f ms %s, new median %.0f ms %s; one answer for both: %s %s" % (
    statistics.median(reg["taken"]) * 1000, [round(x * 1000) for x in reg["taken"]],
    statistics.median(reg["new"]) * 1000, [round(x * 1000) for x in reg["new"]], len(bodies) == 1, list(bodies)[0][0]))

# --- 5. proposals, reports, registrations in bursts
section("bursts of writes from many addresses")
st, b, _, _, ck = req("POST", "/api/login", {"email": "fresh@attack.test", "password": "fresh passphrase"}, src=950)
fresh = ck
items = json.loads(req("GET", "/api/collections/actors/items?kind=commune&limit=50", src=951)[1])["features"]
res = burst(50, lambda i: req("POST", "/api/proposals", {"target_type": "actor", "target_id": items[i]["id"], "action": "update",
            "base_version": items[i]["properties"]["version"], "changes": {"website": f"https://m{i}.example.fr"}}, src=1000 + i, cookies=fresh))
print("50 proposals at once by a new account:", counts([r[0] for r in res]))
res = burst(40, lambda i: req("POST", "/api/reports", {"target_type": "actor", "target_id": "commune-88160", "reason": "wrong"},
            src=1100 + i, cookies=fresh))
print("40 reports at once by one account:", counts([r[0] for r in res]))
res = burst(80, lambda i: req("POST", "/api/reports", {"target_type": "actor", "target_id": "commune-88160", "reason": "wrong"}, src=1200 + i))
print("80 anonymous reports at once:", counts([r[0] for r in res]))
names = ["Zoé Martin", "ZOE MARTIN", "Zoe  Martin", "Ｚｏé Ｍａｒｔｉｎ", "Z0é Martin", "zoe.martin"]
res = burst(len(names), lambda i: req("POST", "/api/register", {"email": f"zoe{i}@attack.test", "display_name": names[i],
            "password": "a long passphrase"}, src=1500 + i))
print("look-alike names at once:", counts([r[0] for r in res]))
res = burst(150, lambda i: req("POST", "/api/register", {"email": f"bulk{i}@attack.test", "display_name": f"Agent {i + 2}",
            "password": "a long passphrase"}, src=1300 + i))
print("150 registrations at once:", counts([r[0] for r in res]))
res = req("POST", "/api/register", {"email": "inv@attack.test", "display_name": "Ali\u202ece", "password": "a long passphrase"}, src=1510)
print("display name with U+202E:", res[0], res[1][:150])

# --- 6. held database lock
PG = DB.startswith("postgres://") or DB.startswith("postgresql://")
if PG:
    # Another server's write transaction: the writer lock every write takes
    # (directory/pgdriver.go's writerLockKey), held by a psql session.
    section("database held by another server (a write transaction holding the writer lock)")
    holder = subprocess.Popen(["psql", "-q", DB], stdin=subprocess.PIPE, text=True)
    holder.stdin.write("BEGIN;\nSELECT pg_advisory_xact_lock(508675322625);\nSELECT 'locked';\n"); holder.stdin.flush()
else:
    section("database held by another process (sqlite3 BEGIN EXCLUSIVE)")
    holder = subprocess.Popen(["sqlite3", DB], stdin=subprocess.PIPE, text=True)
    holder.stdin.write("BEGIN EXCLUSIVE;\nSELECT 'locked';\n"); holder.stdin.flush()
time.sleep(1)
st, b, h, took, _ = req("POST", "/api/proposals", {"target_type": "actor", "action": "create",
                        "changes": {"kind": "association", "name": "Association bloquée"}}, src=1, cookies=mod_cookies)
print("write: %d in %.2f s, Retry-After %s: %s" % (st, took, h.get("Retry-After"), b[:160]))
st, b, _, took, _ = req("GET", "/readyz", src=1)
print("readyz: %d in %.2f s: %s" % (st, took, b[:120]))
st, _, _, took, _ = req("GET", "/api/collections/actors/items/commune-88160", src=1)
print("read: %d in %.3f s" % (st, took))
holder.stdin.write("ROLLBACK;\n\\q\n" if PG else "ROLLBACK;\n.quit\n"); holder.stdin.flush(); holder.wait()
st, b, _, took, _ = req("GET", "/readyz", src=1)
print("after release, readyz:", st)
st, b, _, took, _ = req("POST", "/api/proposals", {"target_type": "actor", "action": "create",
                        "changes": {"kind": "association", "name": "Association bloquée"}}, src=1, cookies=mod_cookies)
print("after release, write:", st)
count = "SELECT COUNT(*) FROM proposals WHERE CAST(changes AS TEXT) LIKE '%Association bloqu%'"
n = subprocess.run(["psql", "-tA", DB, "-c", count] if PG else ["sqlite3", f"file:{DB}?mode=ro", count],
                   capture_output=True, text=True).stdout.strip()
print("proposals stored for it (the refused one and the accepted one):", n)
