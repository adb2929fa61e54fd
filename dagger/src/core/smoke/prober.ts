/**
 * The smoke check's prober: a small Python program run by the image's own `python3`, as the
 * container's user, inside the container the check runs. It starts the app's process (the
 * command Kubernetes would start), keeps what the app writes on stdout and stderr, requests each
 * probe path on 127.0.0.1 until it answers 2xx/3xx or the deadline passes, stops the app
 * (SIGTERM to its process group, SIGKILL after the grace period) and prints one result line.
 *
 * Why in the container and not from a client container against a Dagger service: a service's
 * stdout and file system cannot be read back through the Dagger API, an exec's can (the JSON
 * logs probe reads the first, the read-only root filesystem probe diffs the second).
 * It judges nothing: the verdicts are the core's (verdict.ts). Standard library only, Python 3.8+.
 */

/** Prefix of the result line on the prober's stdout. */
export const PROBER_RESULT = "GITOPS_PIPELINE_SMOKE_RESULT ";

/** What the prober is told to do (its only argument, as JSON). */
export interface ProberConfig {
  /** The app's argv. */
  command: string[];
  /** Requests, in order. */
  requests: { name: string; path: string; port: number; headers: Record<string, string> }[];
  /** Seconds for all requests together, from the app's start: each is retried until it answers 2xx/3xx or this passes. */
  deadlineSeconds: number;
  /** Seconds one request may take. */
  requestTimeoutSeconds: number;
  /** Seconds between SIGTERM and SIGKILL. */
  graceSeconds: number;
  /** Most bytes of stdout/stderr and of each body kept. */
  maxBytes: number;
}

/** What the prober saw of one request. */
export interface ProberAnswer {
  name: string;
  path: string;
  port: number;
  attempts: number;
  /** Absent when no HTTP answer came. */
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Why there was no HTTP answer. */
  error?: string;
}

/** The prober's result line. */
export interface ProberResult {
  /** False when the app's process could not be started at all. */
  started: boolean;
  startError?: string;
  answers: ProberAnswer[];
  stdout: string;
  stderr: string;
  /** Exit code when the app had exited on its own before it was stopped; null when it was still running. */
  exitedEarly: number | null;
  /** Exit code after SIGTERM (negative: killed by that signal). */
  exitCode: number | null;
  elapsedSeconds: number;
  /** Unix seconds the prober started: tells a run of this call from one the engine replayed from its cache. */
  startedAt: number;
}

/** The prober's source. */
export const PROBER_PY = String.raw`import http.client, json, os, signal, subprocess, sys, threading, time

cfg = json.loads(sys.argv[1])
limit = cfg["maxBytes"]
t0 = time.monotonic()
started_at = int(time.time())
out = {"stdout": b"", "stderr": b""}


def keep(name, stream):
    for chunk in iter(lambda: stream.read(4096), b""):
        if len(out[name]) < limit:
            out[name] += chunk[: limit - len(out[name])]


def finish(result):
    result["stdout"] = out["stdout"].decode("utf-8", "replace")
    result["stderr"] = out["stderr"].decode("utf-8", "replace")
    result["elapsedSeconds"] = round(time.monotonic() - t0, 3)
    result["startedAt"] = started_at
    sys.stdout.write("${PROBER_RESULT}" + json.dumps(result) + "\n")
    sys.stdout.flush()


try:
    proc = subprocess.Popen(cfg["command"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
except OSError as e:
    finish({"started": False, "startError": "%s: %s" % (type(e).__name__, e), "answers": [], "exitedEarly": None, "exitCode": None})
    sys.exit(0)
readers = [threading.Thread(target=keep, args=(n, s), daemon=True) for n, s in (("stdout", proc.stdout), ("stderr", proc.stderr))]
for r in readers:
    r.start()


def request(req):
    conn = http.client.HTTPConnection("127.0.0.1", req["port"], timeout=cfg["requestTimeoutSeconds"])
    try:
        conn.request("GET", req["path"], headers=req["headers"])
        resp = conn.getresponse()
        body = resp.read(limit)
        return {"status": resp.status, "headers": {k.lower(): v for k, v in resp.getheaders()}, "body": body.decode("utf-8", "replace")}
    finally:
        conn.close()


answers = []
exited = None
deadline = t0 + cfg["deadlineSeconds"]
for req in cfg["requests"]:
    answer = {"name": req["name"], "path": req["path"], "port": req["port"], "attempts": 0}
    while True:
        answer["attempts"] += 1
        try:
            got = request(req)
            answer.pop("error", None)
            answer.update(got)
            if 200 <= got["status"] < 400:
                break
        except Exception as e:  # no HTTP answer: not listening yet, reset, timeout
            answer["error"] = "%s: %s" % (type(e).__name__, e)
        exited = proc.poll()
        if exited is not None or time.monotonic() >= deadline:
            break
        time.sleep(0.25)
    answers.append(answer)
    if exited is not None:
        break

time.sleep(0.3)  # let the app flush the log lines of the last request
exited = proc.poll() if exited is None else exited
if exited is None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except OSError:
        pass
    try:
        proc.wait(cfg["graceSeconds"])
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
for r in readers:
    r.join(2)
finish({"started": True, "answers": answers, "exitedEarly": exited, "exitCode": proc.returncode})
`;

/** Parse the prober's stdout; undefined when it printed no result line (it did not run to its end). */
export function parseProberOutput(stdout: string): ProberResult | undefined {
  const line = stdout.split("\n").find((l) => l.startsWith(PROBER_RESULT));
  if (!line) return undefined;
  return JSON.parse(line.slice(PROBER_RESULT.length)) as ProberResult;
}
