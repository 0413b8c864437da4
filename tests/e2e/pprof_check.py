"""pprof_check.py PROFILE.pb.gz REPORT.csv FOLDED : reads a pprof profile
with the real reader (`go tool pprof`: -raw, -traces, -top for each sample
type) and checks it against `ctrail report --csv` and the folded stacks of
the same trace.  Prints "ok" or what differs; exits 1 on a difference."""
import csv, re, subprocess, sys

prof, report_csv, folded = sys.argv[1:4]


def pprof(*args):
    return subprocess.run(["go", "tool", "pprof", *args, prof], check=True,
                          capture_output=True, text=True).stdout


bad = []

# The report: function -> calls, total, self (ns).
report = {}
with open(report_csv) as f:
    for row in csv.DictReader(f):
        report[row["function"]] = (int(row["calls"]), int(row["total_ns"]), int(row["self_ns"]))

# Folded: stack (outermost first) -> self ns; every stack has a line.
stacks = {}
for line in open(folded):
    stack, value = line.rstrip("\n").rsplit(" ", 1)
    stacks[stack] = int(value)

# -raw: samples (values, location ids leaf first) and the locations' names.
raw = pprof("-raw")
section = None
samples, names = [], {}
for line in raw.splitlines():
    if line in ("Samples:", "Locations", "Mappings"):
        section = line
        continue
    if section == "Samples:" and ":" in line and not line.startswith("calls/"):
        values, ids = line.split(":")
        samples.append(([int(v) for v in values.split()], ids.split()))
    elif section == "Locations":
        m = re.match(r"\s*(\d+): 0x[0-9a-f]+ M=\d+ (.*?)(?: \S+:\d+ s=\d+)?$", line)
        if m:
            names[m.group(1)] = m.group(2)
if "calls/count total/nanoseconds self/nanoseconds[dflt]" not in raw:
    bad.append("sample types: " + raw.splitlines()[3:5].__repr__())
raw_self = {";".join(names[i] for i in reversed(ids)): v[2] for v, ids in samples}
if raw_self != stacks:
    bad.append("-raw stacks and self times differ from the folded stacks:\n%s\n%s" %
               (sorted(raw_self.items()), sorted(stacks.items())))

# -traces: the stacks with their self time in ns.
traces = {}
for block in pprof("-traces", "-unit=ns").split("-----------+")[1:]:
    lines = [l for l in block.splitlines() if l.strip() and not l.startswith("-")]
    if not lines:
        continue
    value, leaf = lines[0].split(None, 1)
    frames = [leaf.strip()] + [l.strip() for l in lines[1:]]
    traces[";".join(reversed(frames))] = int(value.rstrip("ns"))
# pprof may list a stack whose value is 0; every stack it lists is one.
want = {k: v for k, v in stacks.items() if v}
if {k: v for k, v in traces.items() if v} != want or not set(traces) <= set(stacks):
    bad.append("-traces differ from the folded stacks:\n%s\n%s" %
               (sorted(traces.items()), sorted(want.items())))


# -top: flat and cum per function, for each sample type.
def top(index):
    rows = {}
    for line in pprof("-top", "-unit=ns", "-nodecount=100000", "-nodefraction=0",
                      "-sample_index=" + index).splitlines():
        m = re.match(r"\s*(\d+)(?:ns)?\s+\S+%\s+\S+%\s+(\d+)(?:ns)?\s+\S+%\s+(.*)$", line)
        if m:
            rows[m.group(3)] = (int(m.group(1)), int(m.group(2)))
    return rows


self_top, calls_top = top("self"), top("calls")
want_self = {f: (v[2], v[1]) for f, v in report.items() if v[2] or v[1]}
got_self = {f: v for f, v in self_top.items() if v != (0, 0)}
if got_self != want_self:
    bad.append("-top flat/cum differ from the report's self/total:\n%s\n%s" %
               (sorted(got_self.items()), sorted(want_self.items())))
want_calls = {f: v[0] for f, v in report.items()}
got_calls = {f: v[0] for f, v in calls_top.items()}
if got_calls != want_calls:
    bad.append("-top -sample_index=calls differs from the report's calls:\n%s\n%s" %
               (sorted(got_calls.items()), sorted(want_calls.items())))

print("\n".join(bad) if bad else "ok")
sys.exit(1 if bad else 0)
