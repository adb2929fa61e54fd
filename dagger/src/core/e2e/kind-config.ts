/**
 * The kind cluster configuration of the e2e stage.
 *
 * The cluster runs inside a docker-in-docker service, so its API server must listen where the
 * client container reaches it through the service binding: on every address of the dind
 * container (`0.0.0.0`), on a fixed port (kind's default is a random host port).
 * kind docs, "Configuration" → "API Server":
 * https://kind.sigs.k8s.io/docs/user/configuration/#api-server
 */
import { stringify } from "yaml";
import { InputError } from "../errors.js";

/** Name of the e2e cluster; kind names its kubeconfig entries `kind-<name>`. */
export const E2E_CLUSTER = "e2e";

/** Port the kind API server is published on, inside the dind service. */
export const E2E_API_PORT = 6443;

/** Options of the generated kind config. */
export interface KindConfigOptions {
  /** kindest/node image, pinned by digest (`kindest/node:vX.Y.Z@sha256:<64 hex>`). */
  nodeImage: string;
  /** Address the API server is published on inside the dind container. */
  apiServerAddress?: string;
  /** Port the API server is published on inside the dind container. */
  apiServerPort?: number;
}

const PINNED = /^[a-z0-9./_-]+(:[\w.-]+)?@sha256:[0-9a-f]{64}$/;

/**
 * Fail unless `image` is pinned by digest. kind supports a node image only with the kind release
 * that built it, and the same tag is rebuilt per release, so the release notes require the digest
 * (https://kind.sigs.k8s.io/docs/user/configuration/#kubernetes-version).
 */
export function assertPinnedNodeImage(image: string): void {
  if (!PINNED.test(image)) {
    throw new InputError(
      "kindNodeImage",
      `'${image}' is not pinned by digest`,
      "use the image@sha256:... listed in the release notes of the kind version in use",
    );
  }
}

/** The kind `Cluster` config: one control-plane node, node image pinned, API server reachable from the service binding. */
export function kindConfig(opts: KindConfigOptions): string {
  assertPinnedNodeImage(opts.nodeImage);
  const port = opts.apiServerPort ?? E2E_API_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InputError("apiServerPort", `${port} is not a TCP port`, "use an integer from 1 to 65535");
  }
  const config = {
    kind: "Cluster",
    apiVersion: "kind.x-k8s.io/v1alpha4",
    networking: {
      // Inside a throw-away dind container the docs' warning about non-loopback addresses
      // (exposing a workstation's cluster) does not apply.
      apiServerAddress: opts.apiServerAddress ?? "0.0.0.0",
      apiServerPort: port,
    },
    nodes: [{ role: "control-plane", image: opts.nodeImage }],
  };
  return stringify(config);
}
