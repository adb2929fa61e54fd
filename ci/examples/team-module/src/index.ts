/**
 * A team's own CI module built on gitops-pipeline: its app lives in `service/`, its chart and
 * environments in `deploy/`, and its images come from a registry mirror. Installed with
 * `dagger install github.com/<owner>/gitops-pipeline@<ref>` (here: the repository itself, `../../..`).
 */
import { argument, dag, Directory, func, object, Secret } from "@dagger.io/dagger";

@object()
export class ShopCi {
  /**
   * The whole pipeline on our app and chart; fails unless every stage passed.
   *
   * @param service Our app (Dockerfile, requirements*.txt, tests).
   * @param deploy Our gitops tree (chart, environments, gitops-pipeline.yaml).
   * @param commit Commit being built.
   * @param runNumber CI run number.
   * @param branch Branch being built.
   * @param registryPassword Registry token; without it nothing is published.
   */
  @func({ cache: "never" })
  async ci(
    @argument({ defaultPath: "/app" }) service: Directory,
    @argument({ defaultPath: "/gitops" }) deploy: Directory,
    commit: string = "local",
    runNumber: string = "0",
    branch: string = "local",
    registryPassword?: Secret,
  ): Promise<string> {
    // An unset optional (registryPassword undefined) is left out of the call: no publish.
    const report = dag.gitopsPipeline({ pythonImage: "python:3.12.14-slim-trixie" }).ci({
      source: service,
      gitops: deploy,
      commit,
      runNumber,
      branch,
      imageRepository: "ghcr.io/acme/shop",
      registryUsername: "acme-ci",
      registryPassword,
    });
    return report.assert();
  }

  /**
   * Just our lint and tests, with our coverage bar.
   *
   * @param service Our app.
   */
  @func()
  async checks(@argument({ defaultPath: "/app" }) service: Directory): Promise<string> {
    const [lint, test] = await Promise.all([
      dag.gitopsPipeline().lint({ source: service }).summary(),
      dag.gitopsPipeline().test({ source: service, minCoverage: 95 }).summary(),
    ]);
    return `${lint}\n${test}`;
  }
}
