/**
 * vitest global setup: a throwaway Redis server for the tests of shared rate-limit stores.
 *
 * With `EFFECT_IIKO_TEST_REDIS_URL` set it is used as is; otherwise `redis-server` (Debian's
 * `redis-server` package, installed by `.ci/run`) is started on 127.0.0.1 on a free port, with no
 * persistence, in a temporary folder, and stopped afterwards. If it cannot start, the whole run
 * fails here: nothing is skipped.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { createConnection } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { TestProject } from "vitest/node"
import { freePort } from "./freePort.ts"

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of the real Redis server for the tests (`redis://127.0.0.1:<port>`). */
    readonly redisUrl: string
  }
}

/** Sends `PING` and resolves whether the server answered `+PONG`. */
const ping = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port })
    socket.once("error", () => resolve(false))
    socket.once("connect", () => socket.write("PING\r\n"))
    socket.once("data", (chunk) => {
      socket.destroy()
      resolve(chunk.toString().startsWith("+PONG"))
    })
  })

const waitForServer = async (port: number, exited: () => boolean) => {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (exited()) throw new Error("redis-server could not start")
    if (await ping(port)) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`redis-server did not answer PING on 127.0.0.1:${port} within 10 s`)
}

export default async function setup(project: TestProject) {
  const given = process.env["EFFECT_IIKO_TEST_REDIS_URL"]
  if (given !== undefined && given !== "") {
    project.provide("redisUrl", given)
    return
  }
  const dir = mkdtempSync(join(tmpdir(), "effect-iiko-redis-"))
  const port = await freePort()
  const server = spawn("redis-server", [
    "--bind", "127.0.0.1", "--port", String(port), "--dir", dir,
    "--save", "", "--appendonly", "no", "--protected-mode", "yes"
  ], { stdio: ["ignore", "pipe", "pipe"] })
  let log = ""
  let exited = false
  const collect = (chunk: Buffer) => {
    log += chunk.toString()
  }
  server.stdout.on("data", collect)
  server.stderr.on("data", collect)
  server.once("error", (error) => {
    exited = true
    log += `${error.message} (install it: Debian apt-get install -y redis-server, or set EFFECT_IIKO_TEST_REDIS_URL)\n`
  })
  server.once("exit", () => (exited = true))
  try {
    await waitForServer(port, () => exited)
  } catch (error) {
    server.kill("SIGKILL")
    rmSync(dir, { recursive: true, force: true })
    throw new Error(`${(error as Error).message}\n${log}`)
  }
  project.provide("redisUrl", `redis://127.0.0.1:${port}`)
  return async () => {
    if (exited) return
    const done = new Promise((resolve) => server.once("exit", resolve))
    server.kill("SIGTERM")
    await done
    rmSync(dir, { recursive: true, force: true })
  }
}
