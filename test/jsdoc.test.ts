/**
 * Every JSDoc `@example` in `src/` compiles against the package as users import it, like the
 * README snippets (which are files in `examples/`). The examples are written to a scratch folder
 * under node_modules/.cache and type-checked with the project's compiler settings.
 */
import { assert, describe, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))

const sources = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : []
  )

/** The TypeScript code of every `@example` fenced block in a source file's JSDoc comments. */
const examplesOf = (text: string): ReadonlyArray<string> =>
  [...text.matchAll(/\/\*\*[\s\S]*?\*\//g)].flatMap((comment) => {
    const lines = comment[0].split("\n").map((line) => line.replace(/^[ \t]*\/?\*+ ?/, ""))
    const examples: Array<string> = []
    let inExample = false
    let code: Array<string> | undefined
    for (const line of lines) {
      if (code !== undefined) {
        if (/^```\s*$/.test(line)) {
          examples.push(code.join("\n"))
          code = undefined
          inExample = false
        } else code.push(line)
      } else if (line.startsWith("@example")) inExample = true
      else if (inExample && /^```(ts|typescript)\s*$/.test(line)) code = []
      else if (line.startsWith("@")) inExample = false
    }
    return examples
  })

describe("JSDoc examples", () => {
  it("the extractor finds a fenced example", () => {
    const text = "/**\n * Does x.\n *\n * @example\n * ```ts\n * const a = 1\n * ```\n *\n * @since 0.1.0\n */"
    assert.deepStrictEqual(examplesOf(text), ["const a = 1"])
  })

  it("every @example in src/ type-checks", { timeout: 120_000 }, () => {
    const scratch = join(root, "node_modules", ".cache", `jsdoc-examples-${process.pid}`)
    rmSync(scratch, { recursive: true, force: true })
    mkdirSync(scratch, { recursive: true })
    try {
      const files: Array<string> = []
      for (const file of sources(join(root, "src"))) {
        examplesOf(readFileSync(file, "utf8")).forEach((example, index) => {
          const name = `${relative(join(root, "src"), file).replace(/[/\\.]/g, "_")}_${index}.ts`
          // An internal module's example may import its neighbours relatively.
          const absolute = example.replace(/from "(\.{1,2}\/[^"]+)"/g, (_, path: string) =>
            `from "${relative(scratch, join(dirname(file), path))}"`)
          writeFileSync(join(scratch, name), `${absolute}\nexport {}\n`)
          files.push(name)
        })
      }
      assert.isAbove(files.length, 10)
      writeFileSync(
        join(scratch, "tsconfig.json"),
        JSON.stringify({
          extends: join(root, "tsconfig.json"),
          compilerOptions: { noUnusedLocals: false, noUnusedParameters: false },
          include: [],
          files
        })
      )
      let output = ""
      try {
        execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-p", join(scratch, "tsconfig.json")], {
          cwd: scratch,
          encoding: "utf8"
        })
      } catch (error) {
        output = String((error as { stdout?: unknown }).stdout ?? error)
      }
      assert.strictEqual(output, "", `JSDoc examples that do not compile:\n${output}`)
    } finally {
      rmSync(scratch, { recursive: true, force: true })
    }
  })
})
