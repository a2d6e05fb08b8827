/**
 * What the client benchmarks share: the `organizations` reply, a loopback server in its own
 * process, and an in-process transport that answers from memory.
 */
import { Effect, Layer } from "effect"
import { HttpClient, HttpClientRequest, HttpClientResponse } from "effect/http"
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import type * as Library from "../src/index.ts"

export const ORG = "7bc05553-4b68-44e8-b7bc-37be63c6d9e9"

export const organizationsBody = JSON.stringify({
  correlationId: "3fa85f64-5717-4562-b3fc-2c963f66afa6",
  organizations: Array.from({ length: 5 }, (_, i) => ({
    id: ORG,
    name: `Organization ${i}`,
    code: null,
    responseType: "Simple"
  }))
})

export const tokenBody = JSON.stringify({ correlationId: "3fa85f64-5717-4562-b3fc-2c963f66afa6", token: "bench-token" })

/** The `organizations` request as a caller of `HttpClient` alone builds it: headers and JSON body. */
export const bareRequest = (url: string): HttpClientRequest.HttpClientRequest =>
  HttpClientRequest.post(`${url}/api/1/organizations`).pipe(
    HttpClientRequest.setHeaders({ Authorization: "Bearer bench-token", Timeout: "15" }),
    HttpClientRequest.bodyJsonUnsafe({ organizationIds: [ORG] })
  )

/** The "bare" variant: `HttpClient` alone, the request built for every call, the JSON read. */
export const bareCall = (http: HttpClient.HttpClient, url: string): Effect.Effect<unknown, unknown> =>
  Effect.suspend(() => http.execute(bareRequest(url))).pipe(Effect.flatMap((response) => response.json))

/** `IikoLimits` on, with a budget no run reaches: the limiter's bookkeeping without its waits. */
export const unpaced = { defaultLimit: { requests: 1_000_000_000, window: "1 second" } } as const

/** The middle value (the mean of the two middle ones for an even count). */
export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
}

/** The server runs in its own process so that its work does not share the client's thread. */
const serverSource = `
const { createServer } = require("node:http")
const token = ${JSON.stringify(tokenBody)}
const organizations = ${JSON.stringify(organizationsBody)}
const server = createServer((request, response) => {
  request.resume()
  request.on("end", () => {
    response.writeHead(200, { "content-type": "application/json" })
    response.end(request.url.endsWith("access_token") ? token : organizations)
  })
})
server.keepAliveTimeout = 60000
server.listen(0, "127.0.0.1", () => process.stdout.write(String(server.address().port) + "\\n"))
`

export const startServer = () =>
  new Promise<{ readonly url: string; readonly close: () => void }>((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", serverSource], { stdio: ["ignore", "pipe", "inherit"] })
    child.once("error", reject)
    child.stdout.once("data", (chunk: Buffer) =>
      resolve({ url: `http://127.0.0.1:${chunk.toString().trim()}`, close: () => child.kill() }))
  })

/**
 * No socket at all: every request is answered at once from memory, so the difference between the
 * bare and client rows is the client's own CPU cost per call, free of network noise.
 */
export const inProcess = Layer.succeed(
  HttpClient.HttpClient,
  HttpClient.make((request) =>
    Effect.succeed(HttpClientResponse.fromWeb(
      request,
      new Response(request.url.endsWith("access_token") ? tokenBody : organizationsBody, {
        headers: { "content-type": "application/json" }
      })
    ))
  )
)

/**
 * The library as an application runs it: the compiled `dist/` (`npm run build`), typed as the
 * sources. With `--src` it is `src/` instead, through tsx's on-the-fly transform, which wraps every
 * named closure in a `__name` call and so charges the client (and not bare `HttpClient`, which
 * comes compiled from `node_modules`) for work no installed copy does.
 */
export const loadLibrary = async (): Promise<typeof Library> => {
  const source = process.argv.includes("--src")
  const url = new URL(source ? "../src/index.ts" : "../dist/index.js", import.meta.url)
  if (!existsSync(url)) throw new Error(`${url.pathname} is missing: run \`npm run build\` first`)
  return import(url.href)
}

/** Which copy of the library a run measured, for its report. */
export const libraryLabel = (): string =>
  process.argv.includes("--src") ? "`src/` through tsx (`--src`)" : "the built `dist/`"
