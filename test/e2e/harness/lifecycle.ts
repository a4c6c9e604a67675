import * as pulumi from "@pulumi/pulumi";
import Docker from "dockerode";
import { EngineMocks } from "./engine-mocks";
import { CleanupRegistry } from "./netns";

/**
 * Per-test engine mocks and cleanup registry for a describe block: fresh mocks before each test
 * (setMocks is process-global), and afterwards namespaces/tunnels first (they reference the
 * containers' ports), then Docker objects — unless WGKIT_E2E_KEEP_ON_FAILURE=1 and the test failed.
 */
export function engineEachTest(stack: string, docker = new Docker()): { mocks: () => EngineMocks; cleanup: () => CleanupRegistry } {
  let mocks: EngineMocks;
  let cleanup: CleanupRegistry;
  beforeEach(function () {
    cleanup = new CleanupRegistry();
    mocks = new EngineMocks({ docker, log: (m) => process.env.WGKIT_E2E_VERBOSE && console.log("      " + m) });
    mocks.install("wgkit-e2e", stack);
  });
  afterEach(async function () {
    if (this.currentTest?.state === "failed" && process.env.WGKIT_E2E_KEEP_ON_FAILURE === "1") {
      console.log("      WGKIT_E2E_KEEP_ON_FAILURE=1: leaving namespaces and containers for inspection (test/e2e/teardown.sh removes them)");
      return;
    }
    await cleanup.run();
    await mocks.cleanup();
  });
  return { mocks: () => mocks, cleanup: () => cleanup };
}
