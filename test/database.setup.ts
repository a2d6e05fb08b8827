/**
 * vitest global setup for the database suites.
 *
 * An embedded PGlite data folder, initialized once and cached in the temp folder (PGlite's initdb
 * takes seconds; tests copy the folder instead).
 *
 * A real PostgreSQL server. With
 * `EFFECT_IIKO_TEST_DATABASE_URL` set it is used as is; otherwise a throwaway server is created
 * (initdb into a temporary folder) and started on 127.0.0.1 on a free port, as the `postgres`
 * user when running as root, and removed afterwards. If no server can be started the whole run
 * fails here: nothing is skipped.
 */
import { execFileSync, spawn } from "node:child_process"
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import type { TestProject } from "vitest/node"
import { freePort } from "./freePort.ts"

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of the real PostgreSQL server for the tests. */
    readonly postgresUrl: string
    /** A freshly initialized PGlite data folder to copy (never open it in place). */
    readonly pgliteTemplate: string
  }
}

const pgliteTemplate = async (): Promise<string> => {
  const { PGlite } = await import("@electric-sql/pglite")
  const version = JSON.parse(readFileSync(join("node_modules", "@electric-sql", "pglite", "package.json"), "utf8")).version
  // Beside the checkout's node_modules it would not survive `npm ci`; the temp folder does.
  const dir = join(tmpdir(), `effect-iiko-pglite-template-${version}`)
  if (existsSync(join(dir, "PG_VERSION"))) return dir
  const building = `${dir}.${process.pid}`
  rmSync(building, { recursive: true, force: true })
  mkdirSync(dirname(building), { recursive: true })
  const db = await PGlite.create(building)
  await db.close()
  rmSync(dir, { recursive: true, force: true })
  renameSync(building, dir)
  return dir
}

/** The server binaries: `pg_config --bindir`, else Debian's /usr/lib/postgresql/<newest>/bin. */
const binDir = (): string => {
  try {
    const dir = execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim()
    if (existsSync(join(dir, "initdb"))) return dir
  } catch {
    // no pg_config on PATH: look where Debian installs the server
  }
  const root = "/usr/lib/postgresql"
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : []
  for (const version of versions) {
    if (existsSync(join(root, version, "bin", "initdb"))) return join(root, version, "bin")
  }
  throw new Error(
    "PostgreSQL server binaries not found (initdb, postgres): install them (Debian: apt-get install -y postgresql) " +
      "or set EFFECT_IIKO_TEST_DATABASE_URL to a server the tests may use"
  )
}

const waitForServer = async (bin: string, port: number, asPostgres: (command: string, args: Array<string>) => [string, Array<string>]) => {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const [command, args] = asPostgres(join(bin, "pg_isready"), ["-h", "127.0.0.1", "-p", String(port), "-q"])
      execFileSync(command, args, { stdio: "ignore" })
      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  throw new Error(`PostgreSQL did not accept connections on 127.0.0.1:${port} within 10 s`)
}

export default async function setup(project: TestProject) {
  project.provide("pgliteTemplate", await pgliteTemplate())
  const given = process.env["EFFECT_IIKO_TEST_DATABASE_URL"]
  if (given !== undefined && given !== "") {
    project.provide("postgresUrl", given)
    return
  }
  const bin = binDir()
  const root = process.getuid?.() === 0
  const asPostgres = (command: string, args: Array<string>): [string, Array<string>] =>
    root ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args]
  const dir = mkdtempSync(join(tmpdir(), "effect-iiko-pg-"))
  if (root) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim())
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim())
    chownSync(dir, uid, gid)
  }
  const data = join(dir, "data")
  const [initdb, initArgs] = asPostgres(join(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"])
  execFileSync(initdb, initArgs, { stdio: "pipe" })
  const port = await freePort()
  const [postgres, args] = asPostgres(join(bin, "postgres"), [
    "-D", data, "-h", "127.0.0.1", "-p", String(port), "-k", dir,
    "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"
  ])
  const server = spawn(postgres, args, { stdio: ["ignore", "ignore", "pipe"] })
  let log = ""
  server.stderr.on("data", (chunk: Buffer) => {
    log += chunk.toString()
  })
  try {
    await waitForServer(bin, port, asPostgres)
  } catch (error) {
    server.kill("SIGKILL")
    rmSync(dir, { recursive: true, force: true })
    throw new Error(`${(error as Error).message}\n${log}`)
  }
  project.provide("postgresUrl", `postgres://postgres@127.0.0.1:${port}/postgres`)
  return async () => {
    const exited = new Promise((resolve) => server.once("exit", resolve))
    // Signal postgres itself: runuser does not forward signals to it. SIGINT is a fast shutdown.
    const postmaster = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0])
    const pid = Number.isInteger(postmaster) && postmaster > 0 ? postmaster : server.pid!
    process.kill(pid, "SIGINT")
    const killed = setTimeout(() => {
      process.kill(pid, "SIGKILL")
      server.kill("SIGKILL")
    }, 10_000)
    await exited
    clearTimeout(killed)
    rmSync(dir, { recursive: true, force: true })
  }
}
