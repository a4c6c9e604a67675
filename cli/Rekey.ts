/**
 * Re-keys a stack whose secrets were encrypted with the empty passphrase (an earlier wgkit's
 * main command ran `pulumi up` with PULUMI_CONFIG_PASSPHRASE="") to the generated passphrase.
 *
 * Why not `pulumi stack change-secrets-provider passphrase`: from passphrase to passphrase it is a
 * rotation, and v3.248 then asks for the new passphrase on a terminal only (it reads the same
 * PULUMI_CONFIG_PASSPHRASE[_FILE] for the old and the new one otherwise — tried: the stack stays
 * on the old passphrase).
 *
 * INVARIANT. Pulumi's own crypto does every step: the new salt comes from a scratch stack made with
 * the new passphrase (`stack init`, then `stack rm`); the deployment, exported in plaintext with
 * the old passphrase, is imported with the new one under that salt, and the stack's config file
 * takes the same salt. The plaintext export lives only in a 0600 file in a private temp directory,
 * removed at the end whatever happens.
 *
 * Order: the import first (the deployment carries its new salt; `stack export --show-secrets`
 * decrypts with the deployment's own salt, whatever the config file says), the config's salt last.
 *
 * FAILURE MODES.
 *  - Killed before the import: nothing changed; the next run re-keys from the start.
 *  - Killed after the import, before the config's salt was written: the new passphrase opens the
 *    state; the next run finds the config's salt differs from the state's and writes the state's
 *    (repairSalt).
 *  - A stack config holding `secure:` values (encrypted with the old salt): refused, naming the fix
 *    (they would not decrypt under the new salt).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CliResult } from "./PulumiCli";
import { writeStackConfig } from "./StackConfigFile";

/** Runs the CLI with the given passphrase environment. */
export type Runner = (args: string[], passphraseEnv: Record<string, string | undefined>) => Promise<CliResult>;

/** The `encryptionsalt` of a stack config file's text, if any. */
export function saltOf(configText: string): string | undefined {
  return /^encryptionsalt:\s*(\S+)\s*$/m.exec(configText)?.[1];
}

/** Re-keys `stack` from the empty passphrase to `newEnv`'s. `configFile` is the stack's Pulumi.<stack>.yaml. */
export async function rekeyFromEmpty(run: Runner, stack: string, configFile: string, newEnv: Record<string, string>): Promise<void> {
  const config = fs.existsSync(configFile) ? fs.readFileSync(configFile, "utf8") : "";
  if (/:\s*\n?\s*secure:/m.test(config)) {
    throw new Error(`${configFile} holds secret config values encrypted with the empty passphrase: re-key by hand (pulumi stack change-secrets-provider passphrase, on a terminal)`);
  }
  const old = { PULUMI_CONFIG_PASSPHRASE: "", PULUMI_CONFIG_PASSPHRASE_FILE: undefined };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wgkit-rekey-"));
  const scratch = `${stack}-rekey-${crypto.randomBytes(3).toString("hex")}`;
  const scratchConfig = path.join(path.dirname(configFile), `Pulumi.${scratch}.yaml`);
  try {
    const plain = path.join(tmp, "deployment.json");
    const exp = await run(["stack", "export", "--show-secrets", "--stack", stack, "--file", plain], old);
    if (exp.status !== 0) throw new Error(`exporting the stack with the empty passphrase failed: ${exp.stderr.trim()}`);
    fs.chmodSync(plain, 0o600);
    const init = await run(["stack", "init", scratch, "--non-interactive"], newEnv);
    if (init.status !== 0) throw new Error(`making a salt for the new passphrase failed: ${init.stderr.trim()}`);
    const salt = saltOf(fs.existsSync(scratchConfig) ? fs.readFileSync(scratchConfig, "utf8") : "");
    await run(["stack", "rm", scratch, "--yes", "--force", "--non-interactive"], newEnv);
    if (!salt) throw new Error("the scratch stack has no encryptionsalt");
    const d = JSON.parse(fs.readFileSync(plain, "utf8"));
    d.deployment.secrets_providers = { type: "passphrase", state: { salt } };
    fs.writeFileSync(plain, JSON.stringify(d), { mode: 0o600 });
    const imp = await run(["stack", "import", "--stack", stack, "--file", plain], newEnv);
    if (imp.status !== 0) throw new Error(`importing the stack under the new passphrase failed: ${imp.stderr.trim()}`);
    writeSalt(configFile, salt);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(scratchConfig, { force: true });
  }
}

/** Sets the `encryptionsalt` line of a stack config file (adding it when absent). */
export function writeSalt(configFile: string, salt: string): void {
  const config = fs.existsSync(configFile) ? fs.readFileSync(configFile, "utf8") : "";
  const next = saltOf(config) !== undefined ? config.replace(/^encryptionsalt:.*$/m, `encryptionsalt: ${salt}`) : `encryptionsalt: ${salt}\n${config}`;
  writeStackConfig(configFile, next);
}
