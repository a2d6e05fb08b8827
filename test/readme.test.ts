import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { organizationCount } from "../examples/testing.ts"

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
const examples = readdirSync(new URL("../examples/", import.meta.url))
  .filter((name) => name.endsWith(".ts"))
  .map((name) => readFileSync(new URL(`../examples/${name}`, import.meta.url), "utf8"))

describe("README", () => {
  it("every TypeScript snippet is an example file, so it is type-checked", () => {
    const snippets = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!)
    assert.isAbove(snippets.length, 0)
    for (const snippet of snippets) {
      assert.isTrue(examples.includes(snippet), `README snippet not found in examples/:\n${snippet}`)
    }
  })

  it("the quick start is two commands: run the main job, run the tests", () => {
    const quickStart = /## Quick start\n+```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? ""
    const commands = quickStart.split("\n").filter((line) => line.trim() !== "")
    assert.strictEqual(commands.length, 2)
    assert.match(commands[0]!, /npm start/)
    assert.match(commands[1]!, /^npm test\b/)
  })

  it.effect("the testing snippet runs against the emulator", () =>
    Effect.gen(function*() {
      assert.isAbove(yield* organizationCount, 0)
    }))
})
