/**
 * gitops-pipeline: a complete CI/CD + GitOps pipeline for a containerised Python (Flask) app
 * deployed to Kubernetes with Helm and Argo CD. Every stage runs in a container.
 */
import { object, func } from "@dagger.io/dagger";
import { VERSIONS } from "./core/versions.js";

/**
 * The pipeline: lint, test, build, publish, e2e, validate and the GitOps bump of a Python app
 * and its Helm chart. Constructor arguments pin every base image and tool version.
 */
@object()
export class GitopsPipeline {
  /** Python base image for the app, lint and test stages. */
  @func()
  pythonImage: string;

  /**
   * Create the pipeline. Every image and tool version is pinned by default and can be
   * replaced, e.g. to point at a registry mirror in an air-gapped network.
   *
   * @param pythonImage Python base image for the app, lint and test stages.
   */
  constructor(pythonImage: string = VERSIONS.pythonImage) {
    this.pythonImage = pythonImage;
  }

  /** The tool versions and images this pipeline instance uses. */
  @func()
  versions(): string {
    return JSON.stringify({ ...VERSIONS, pythonImage: this.pythonImage }, null, 2);
  }
}
