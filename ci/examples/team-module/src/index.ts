/**
 * A team's own CI module built on gitops-pipeline: its app lives in `service/`, its chart and
 * environments in `deploy/`, its gitops repository is reached over SSH with a deploy key, and its
 * images come from a registry mirror. Installed with
 * `dagger install github.com/<owner>/gitops-pipeline@<ref>` (here: the repository itself, `../../..`).
 */
import { argument, dag, Directory, func, object, Secret, type GitopsPipeline } from "@dagger.io/dagger";

@object()
export class ShopCi {
  /** Our app directory. */
  service: Directory;

  /** Our gitops tree. */
  deploy: Directory;

  /**
   * @param service Our app (Dockerfile, requirements*.txt, tests).
   * @param deploy Our gitops tree (chart, environments, gitops-pipeline.yaml).
   */
  constructor(@argument({ defaultPath: "/app" }) service: Directory, @argument({ defaultPath: "/gitops" }) deploy: Directory) {
    this.service = service;
    this.deploy = deploy;
  }

  /** The pipeline on our app and tree, with our Python image from the mirror. */
  private pipeline(): GitopsPipeline {
    return dag.gitopsPipeline({ source: this.service, gitops: this.deploy, pythonImage: "python:3.12.14-slim-trixie" });
  }

  /**
   * The whole pipeline; fails unless every stage passed. On main with the credentials it
   * publishes and bumps dev in our gitops repository over SSH. Where it publishes (image.repository)
   * and which gitops repository it bumps (gitops.repository, gitops.knownHosts) is our app's
   * gitops-pipeline.settings.yaml: the call passes only the CI context and the secrets.
   *
   * @param commit Commit being built.
   * @param runNumber CI run number.
   * @param branch Branch being built.
   * @param registryPassword Registry token; without it nothing is published.
   * @param deployKey SSH deploy key of the gitops repository; without it nothing is bumped.
   */
  @func({ cache: "never" })
  async ci(commit: string = "local", runNumber: string = "0", branch: string = "local", registryPassword?: Secret, deployKey?: Secret): Promise<string> {
    // An unset optional (undefined) is left out of the call: no publish, no bump.
    return this.pipeline().ci({ commit, runNumber, branch, registryUsername: "acme-ci", registryPassword, gitopsSshKey: deployKey }).assert();
  }

  /** Just our lint (with flake8 on top of the defaults) and tests, with our coverage bar. */
  @func()
  async checks(): Promise<string> {
    const app = this.pipeline().app();
    const [lint, test] = await Promise.all([app.lint({ linters: ["ruff", "ruff-format", "flake8"] }).summary(), app.test({ minCoverage: 95 }).summary()]);
    return `${lint}\n${test}`;
  }

  /**
   * Promote what staging runs to prod, in our gitops repository.
   *
   * @param deployKey SSH deploy key of the gitops repository.
   * @param knownHosts known_hosts lines of its host.
   */
  @func({ cache: "never" })
  async promoteToProd(deployKey: Secret, knownHosts: string): Promise<string> {
    return this.pipeline()
      .gitopsRepo({ url: "git@github.com:acme/shop-deploy.git", path: "." })
      .withSshKey(deployKey, knownHosts)
      .promote({ from: "staging" })
      .assert();
  }
}
