/**
 * The toolchain one pipeline instance runs with, as a Dagger object: the pinned images and tool
 * versions (validated once, by the module's constructor) and the offline schemas. Every child
 * object (App, Manifests, GitopsRepo, LocalGitops) keeps it by reference, as a Chart keeps its
 * Helm, instead of re-declaring the images and schemas or parsing them from a string.
 */
import { dag, object, type Directory, type DirectoryID } from "@dagger.io/dagger";
import { pythonToolEntries, pythonToolPins, type PythonTool, type ToolPins } from "./core/toolchain.js";

/** The pinned images and tool versions, and the offline schemas, of one pipeline instance. */
@object()
export class Toolchain implements ToolPins {
  /** Python base image of the lint and test stages (and the app's default base image). */
  pythonImage!: string;
  /** Versions of the Python tools the stages install, as name==version. */
  pythonTools!: string[];
  /** Helm image of the validate and e2e stages. */
  helmImage!: string;
  /** kubeconform image of the validate stage. */
  kubeconformImage!: string;
  /** kustomize image that renders the overlays. */
  kustomizeImage!: string;
  /** Kubernetes version the manifests are validated for. */
  kubernetes!: string;
  /** kind version of the e2e cluster. */
  kind!: string;
  /** kind node image. */
  kindNodeImage!: string;
  /** kubectl version of the e2e stage. */
  kubectl!: string;
  /** Docker-in-docker image of the e2e cluster. */
  dindImage!: string;
  /** Trivy image of the scan stage. */
  trivyImage!: string;
  /** git client image of the write-back. */
  gitImage!: string;
  /** cosign image of sign (publish) and of the verification before a write-back. */
  cosignImage!: string;
  /** Offline Kubernetes JSON schemas, when given. */
  kubernetesSchemas?: Directory;
  /** Offline CRD schemas, when given. */
  crdCatalog?: Directory;

  /** An empty toolchain: made by `of` (and rebuilt from its fields by the runtime). */
  constructor() {}

  /**
   * The toolchain of validated pins (core/toolchain.ts) and the offline schemas. A static
   * factory, not constructor parameters: a TS interface in a constructor would become an empty
   * Dagger interface.
   */
  static of(pins: ToolPins, schemas?: Directory, crdSchemas?: Directory): Toolchain {
    const { python, ...images } = pins;
    const t = Object.assign(new Toolchain(), images, { pythonTools: pythonToolEntries(python) });
    if (schemas) t.kubernetesSchemas = schemas;
    if (crdSchemas) t.crdCatalog = crdSchemas;
    return t;
  }

  /** Versions of the Python tools, by PyPI name. */
  get python(): Record<PythonTool, string> {
    return pythonToolPins(this.pythonTools);
  }

  /** Offline Kubernetes JSON schemas, when given. */
  get schemas(): Directory | undefined {
    return loaded(this.kubernetesSchemas);
  }

  /** Offline CRD schemas, when given. */
  get crdSchemas(): Directory | undefined {
    return loaded(this.crdCatalog);
  }

  /** The pins as plain data (the versions function prints them). */
  pins(): ToolPins {
    const { pythonTools: _, kubernetesSchemas: _s, crdCatalog: _c, ...images } = this;
    return { ...images, python: this.python };
  }
}

/**
 * A Directory field of an object held by another object comes back from the engine as its ID:
 * the SDK rebuilds the nested object from its JSON fields without loading the core objects in
 * them (sdk/typescript executor.buildClass). Load it here, once, for every holder.
 */
function loaded(d: Directory | undefined): Directory | undefined {
  return typeof d === "string" ? dag.loadDirectoryFromID(d as unknown as DirectoryID) : d;
}
