/**
 * The policy rules for what the chart exposes: Ingress TLS in production, no secret as a literal
 * env value, and monitoring that points at ports that exist (ServiceMonitor → Service port,
 * prometheus.io/port → container port).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { evaluatePolicy, WAIVER_ANNOTATION } from "../../dagger/src/core/validate/policy/index.js";
import { nameWords, secretLookingName } from "../../dagger/src/core/validate/policy/env.js";
import { tlsCovers } from "../../dagger/src/core/validate/policy/ingress.js";
import { deployment, ingress, OTHER_OBJECT_BREAKS, pdb, service, serviceMonitor, type Obj } from "./policy-fixtures.js";

const errors = (fs: ReturnType<typeof evaluatePolicy>) => fs.filter((f) => f.severity === "error");
const at = (fs: ReturnType<typeof evaluatePolicy>) => errors(fs).map((f) => `${f.rule} ${f.object} ${f.path}`);

describe("rules on objects other than the Deployment: one finding naming the object, the field and the template", () => {
  for (const [rule, b] of Object.entries(OTHER_OBJECT_BREAKS)) {
    it(rule, () => {
      const found = errors(evaluatePolicy(b.objects(), { production: true }));
      expect(found.map((f) => f.rule)).toEqual([rule]);
      expect(found[0]).toMatchObject({ source: "policy", object: b.object, path: b.path, template: b.template, severity: "error" });
    });
  }
});

describe("POL-INGRESS-TLS", () => {
  const prod = { production: true };
  const base = () => [deployment(), pdb(), service()];

  it("production: TLS covering every host passes; no TLS at all is one finding on spec.tls listing the hosts", () => {
    expect(
      evaluatePolicy([...base(), ingress(["a.example.com", "b.example.com"], [{ secretName: "t", hosts: ["a.example.com", "b.example.com"] }])], prod),
    ).toEqual([]);
    const none = errors(evaluatePolicy([...base(), ingress(["a.example.com", "b.example.com"])], prod));
    expect(none.map((f) => f.path)).toEqual(["spec.tls"]);
    expect(none[0]!.message).toMatch(/^no TLS: hosts a.example.com, b.example.com would be served over plain HTTP/);
  });

  it("a host left out of TLS, a TLS entry without a Secret, a rule without a host: one finding each, at its field", () => {
    expect(at(evaluatePolicy([...base(), ingress(["a.example.com", "b.example.com"], [{ secretName: "t", hosts: ["a.example.com"] }])], prod))).toEqual([
      "POL-INGRESS-TLS Ingress/demo-prod/demo spec.rules[1].host",
    ]);
    expect(at(evaluatePolicy([...base(), ingress(["a.example.com"], [{ hosts: ["a.example.com"] }])], prod))).toEqual([
      "POL-INGRESS-TLS Ingress/demo-prod/demo spec.tls[0].secretName",
    ]);
    expect(at(evaluatePolicy([...base(), ingress([""], [{ secretName: "t", hosts: ["a.example.com"] }])], prod))).toEqual([
      "POL-INGRESS-TLS Ingress/demo-prod/demo spec.rules[0].host",
    ]);
  });

  it("outside production an Ingress without TLS is allowed", () => {
    expect(evaluatePolicy([deployment(), service(), ingress(["a.example.com"])], { production: false })).toEqual([]);
  });

  it("a wildcard covers exactly one more label", () => {
    expect(tlsCovers("*.example.com", "a.example.com")).toBe(true);
    expect(tlsCovers("*.example.com", "a.b.example.com")).toBe(false);
    expect(tlsCovers("*.example.com", "example.com")).toBe(false);
    expect(tlsCovers("A.Example.com", "a.example.COM")).toBe(true);
    expect(evaluatePolicy([...base(), ingress(["shop.example.com"], [{ secretName: "wild", hosts: ["*.example.com"] }])], prod)).toEqual([]);
  });

  it("the finding is waivable with the Ingress's annotation (the chart's ingress.annotations)", () => {
    const waived = evaluatePolicy(
      [...base(), ingress(["a.example.com"], [], { [WAIVER_ANNOTATION]: "POL-INGRESS-TLS: TLS ends at the cloud load balancer (OPS-7)" })],
      prod,
    );
    expect(waived.map((f) => [f.rule, f.severity, f.waived])).toEqual([["POL-INGRESS-TLS", "info", "TLS ends at the cloud load balancer (OPS-7)"]]);
  });

  it("for any hosts and any TLS entries: a finding for exactly the hosts no entry covers", () => {
    const label = fc.constantFrom("a", "b", "shop", "api");
    const host = fc.tuple(label, fc.constantFrom("example.com", "example.org")).map(([l, d]) => `${l}.${d}`);
    const pattern = fc.oneof(host, fc.constantFrom("*.example.com", "*.example.org"));
    fc.assert(
      fc.property(
        fc.uniqueArray(host, { minLength: 1, maxLength: 4 }),
        fc.array(fc.array(pattern, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
        (hosts, entries) => {
          const tls = entries.map((h, i) => ({ secretName: `tls-${i}`, hosts: h }));
          const found = errors(evaluatePolicy([ingress(hosts, tls)], prod));
          const all = entries.flat();
          const uncovered = hosts.flatMap((h, i) =>
            all.some((p) => p === h || (p.startsWith("*.") && h.slice(h.indexOf(".") + 1) === p.slice(2))) ? [] : [`spec.rules[${i}].host`],
          );
          expect(found.map((f) => f.path)).toEqual(uncovered);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("POL-ENV-SECRET-LITERAL", () => {
  const withEnv = (env: Obj[], envFrom?: Obj[]) =>
    deployment(({ container }) => {
      container.env = env;
      if (envFrom) container.envFrom = envFrom;
    });

  it("a literal under a secret-looking name is a finding that never quotes the value; a secretKeyRef or envFrom secretRef is fine", () => {
    const found = errors(evaluatePolicy([withEnv([{ name: "API_TOKEN", value: "s3cr3t-v4lue" }])], { production: false }));
    expect(found.map((f) => f.path)).toEqual(["spec.template.spec.containers[0].env[0].value"]);
    expect(found[0]!.message).toMatch(/API_TOKEN has a literal value/);
    expect(JSON.stringify(found)).not.toContain("s3cr3t-v4lue");
    expect(
      evaluatePolicy([withEnv([{ name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "api", key: "token" } } }], [{ secretRef: { name: "creds" } }])], {
        production: false,
      }),
    ).toEqual([]);
    // An empty value carries no secret.
    expect(evaluatePolicy([withEnv([{ name: "API_TOKEN", value: "" }])], { production: false })).toEqual([]);
  });

  it.each([
    ["DATABASE_PASSWORD", true],
    ["dbPassword", true],
    ["DBPASSWORD", true],
    ["GITHUB_TOKEN", true],
    ["AWS_SECRET_ACCESS_KEY", true],
    ["API_KEY", true],
    ["apiKey", true],
    ["SSH_PRIVATEKEY", true],
    ["CREDENTIALS", true],
    ["client-secret", true],
    ["LOG_LEVEL", false],
    ["APP_VERSION", false],
    ["MONKEY_MODE", false],
    ["KEYBOARD_LAYOUT", false],
    ["TOKENIZER", false],
    ["PASSWORD_MIN_LENGTH", true],
  ])("%s looks secret: %s", (name, secret) => {
    expect(secretLookingName(name)).toBe(secret);
  });

  it("for any name made of safe words plus, or not, one secret word: flagged exactly when the secret word is there", () => {
    const safe = fc.constantFrom("APP", "LOG", "LEVEL", "URL", "HOST", "PORT", "MODE", "db", "Feature");
    const secret = fc.constantFrom("PASSWORD", "TOKEN", "SECRET", "KEY", "API_KEY", "Password", "token");
    const sep = fc.constantFrom("_", "-", ".");
    fc.assert(
      fc.property(fc.array(safe, { minLength: 1, maxLength: 4 }), fc.option(secret, { nil: undefined }), sep, fc.nat(), (words, word, s, pos) => {
        const all: string[] = [...words];
        if (word) all.splice(pos % (all.length + 1), 0, word);
        const name = all.join(s);
        expect(secretLookingName(name), `${name} → ${nameWords(name).join(" ")}`).toBe(word !== undefined);
        const found = errors(evaluatePolicy([withEnv([{ name, value: "x" }])], { production: false }));
        expect(found.length).toBe(word !== undefined ? 1 : 0);
      }),
      { numRuns: 300 },
    );
  });
});

describe("POL-SERVICEMONITOR-PORT", () => {
  const rule = (objects: ReturnType<typeof service>[]) => at(evaluatePolicy(objects, { production: false }));

  it("the chart's shape passes: the endpoint names the Service's http port", () => {
    expect(evaluatePolicy([deployment(), service(), serviceMonitor()], { production: false })).toEqual([]);
  });

  it("no Service selected (other labels, other namespace, no Service at all): one finding on the selector", () => {
    expect(
      rule([
        service(),
        serviceMonitor((s) => {
          s.selector = { matchLabels: { app: "other" } };
        }),
      ]),
    ).toEqual(["POL-SERVICEMONITOR-PORT ServiceMonitor/demo-prod/demo spec.selector.matchLabels"]);
    expect(rule([service(undefined, "elsewhere"), serviceMonitor()])).toEqual([
      "POL-SERVICEMONITOR-PORT ServiceMonitor/demo-prod/demo spec.selector.matchLabels",
    ]);
    expect(rule([serviceMonitor()])).toEqual(["POL-SERVICEMONITOR-PORT ServiceMonitor/demo-prod/demo spec.selector.matchLabels"]);
    expect(
      rule([
        service(),
        serviceMonitor((s) => {
          s.selector = {};
        }),
      ]),
    ).toEqual(["POL-SERVICEMONITOR-PORT ServiceMonitor/demo-prod/demo spec.selector"]);
    // namespaceSelector.matchNames reaches the Service's namespace.
    expect(
      rule([
        service(undefined, "elsewhere"),
        serviceMonitor((s) => {
          s.namespaceSelector = { matchNames: ["elsewhere"] };
        }),
      ]),
    ).toEqual([]);
  });

  it("an endpoint without a port, or with a port the Service lacks, is a finding at that endpoint", () => {
    expect(
      rule([
        service(),
        serviceMonitor((s) => {
          s.endpoints = [{ port: "http" }, { path: "/metrics" }];
        }),
      ]),
    ).toEqual(["POL-SERVICEMONITOR-PORT ServiceMonitor/demo-prod/demo spec.endpoints[1].port"]);
    expect(rule([service([{ name: "web", port: 80 }]), serviceMonitor()])).toEqual([
      "POL-SERVICEMONITOR-PORT ServiceMonitor/demo-prod/demo spec.endpoints[0].port",
    ]);
    expect(
      rule([
        service(),
        serviceMonitor((s) => {
          s.endpoints = [];
        }),
      ]),
    ).toEqual(["POL-SERVICEMONITOR-PORT ServiceMonitor/demo-prod/demo spec.endpoints"]);
  });

  it("for any Service ports and endpoint ports: a finding for exactly the endpoints naming a missing port", () => {
    const name = fc.constantFrom("http", "metrics", "web", "grpc");
    fc.assert(
      fc.property(fc.uniqueArray(name, { maxLength: 3 }), fc.array(name, { minLength: 1, maxLength: 4 }), (svcPorts, epPorts) => {
        const found = rule([
          service(svcPorts.map((n, i) => ({ name: n, port: 80 + i }))),
          serviceMonitor((s) => {
            s.endpoints = epPorts.map((port) => ({ port }));
          }),
        ]);
        expect(found).toEqual(
          epPorts.flatMap((p, i) => (svcPorts.includes(p) ? [] : [`POL-SERVICEMONITOR-PORT ServiceMonitor/demo-prod/demo spec.endpoints[${i}].port`])),
        );
      }),
      { numRuns: 200 },
    );
  });
});

describe("POL-SCRAPE-PORT", () => {
  const scraped = (annotations: Obj, ports: Obj[] = [{ name: "http", containerPort: 8080 }]) =>
    deployment(({ spec, container }) => {
      ((spec.template as Obj).metadata as Obj).annotations = annotations;
      container.ports = ports;
    });

  it("prometheus.io/port names a container port: passes; another port: one finding at the annotation", () => {
    expect(
      evaluatePolicy([scraped({ "prometheus.io/scrape": "true", "prometheus.io/port": "8080", "prometheus.io/path": "/metrics" })], { production: false }),
    ).toEqual([]);
    expect(at(evaluatePolicy([scraped({ "prometheus.io/scrape": "true", "prometheus.io/port": "9102" })], { production: false }))).toEqual([
      "POL-SCRAPE-PORT Deployment/demo-prod/demo spec.template.metadata.annotations.prometheus.io/port",
    ]);
  });

  it("reads the pod's own metadata: a Pod's at the top, a CronJob's in its job template", () => {
    const pod = (kind: string, body: Obj) => ({
      apiVersion: "v1",
      kind,
      name: "p",
      namespace: "n",
      source: "t.yaml",
      doc: 0,
      body: { kind, metadata: { name: "p" }, ...body },
    });
    const podBody = {
      metadata: { name: "p", annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": "9102" } },
      spec: { containers: [{ name: "c", ports: [{ containerPort: 8080 }] }] },
    };
    const cron = { spec: { jobTemplate: { spec: { template: { metadata: podBody.metadata, spec: podBody.spec } } } } };
    const paths = (m: ReturnType<typeof pod>) =>
      evaluatePolicy([m], { production: false })
        .filter((f) => f.rule === "POL-SCRAPE-PORT")
        .map((f) => f.path);
    expect(paths(pod("Pod", podBody))).toEqual(["metadata.annotations.prometheus.io/port"]);
    expect(paths(pod("CronJob", cron))).toEqual(["spec.jobTemplate.spec.template.metadata.annotations.prometheus.io/port"]);
  });

  it("not scraped, or no port annotation (Prometheus then tries every declared port): nothing to check", () => {
    expect(evaluatePolicy([scraped({ "prometheus.io/scrape": "false", "prometheus.io/port": "9102" })], { production: false })).toEqual([]);
    expect(evaluatePolicy([scraped({ "prometheus.io/scrape": "true" })], { production: false })).toEqual([]);
  });
});
