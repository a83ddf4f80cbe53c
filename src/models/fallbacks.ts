/**
 * The models the gateway knows of without being told: low-confidence hints,
 * listed with `source: "fallback"` so a client has names to start from.
 * They never become the default and are never checked against: a request
 * may name any model, and the CLI decides.
 *
 * Names that are the CLI's own aliases (claude's `opus`, gemini's `pro`)
 * are passed to the CLI unchanged; the CLI maps them to its current model.
 * Each list starts with what the CLI runs when no `--model` is passed (for
 * grok, whose default moves with xAI's server-side list, the newest model);
 * the sources, and the date they were read, are noted beside each list. The
 * CLIs move faster than this file: refresh it from the same sources.
 *
 * @since 0.1.0
 */
import type { Cli } from "../domain/Cli.js"

/**
 * @since 0.1.0
 */
export interface FallbackModel {
  readonly name: string
  readonly description: string
}

/**
 * @since 0.1.0
 */
export const fallbackModels: Readonly<Record<Cli, ReadonlyArray<FallbackModel>>> = {
  // claude (@anthropic-ai/claude-code 2.1.332), read 2026-12-05:
  // - `claude --help`: `--model` takes "an alias for the latest model (e.g. 'fable', 'opus', or 'sonnet') or a
  //   model's full name";
  // - the binary's model catalog: aliases sonnet, opus, haiku, fable (also best, opusplan and the `[1m]`
  //   forms); first-party targets opus → claude-opus-5-5, sonnet → claude-sonnet-5-5, haiku → claude-haiku-5-5
  //   (claude-haiku-4-5 on Bedrock, Vertex and Foundry), fable → claude-fable-5-2; `best: "opus"`; the
  //   descriptions are the /model picker's own;
  // - the default: the init event of 2.1.332 with no `--model` reports "model":"claude-opus-5-5"
  //   (test/fixtures/real/claude/not-logged-in.stdout);
  // - https://docs.claude.com/de/docs/claude-code/model-config (the stored copy read; aliases default, sonnet,
  //   opus, haiku, sonnet[1m], opusplan; its "currently" versions, Sonnet 4.5 and Opus 4.1, lag the binary).
  claude: [
    {
      name: "opus",
      description:
        "claude's alias for the latest Opus (claude-opus-5-5 in claude 2.1.332, which runs it by default): best for everyday, complex tasks"
    },
    {
      name: "sonnet",
      description: "claude's alias for the latest Sonnet (claude-sonnet-5-5 in claude 2.1.332): efficient for routine tasks"
    },
    {
      name: "haiku",
      description: "claude's alias for the latest Haiku (claude-haiku-5-5 in claude 2.1.332): fastest for quick answers"
    },
    {
      name: "fable",
      description:
        "claude's alias for the latest Fable (claude-fable-5-2 in claude 2.1.332): most capable, for the hardest and longest-running tasks"
    }
  ],
  // codex (@openai/codex 0.171.0), read 2026-12-05:
  // - `codex debug models --bundled` (the catalog inside the binary): listed models by priority gpt-6.2-sol (1),
  //   gpt-6.2-astra (2), gpt-6.1-terra (3), gpt-6.1-sol (4), gpt-6-astra (5), gpt-6-sol (6), gpt-6-luna (7),
  //   then the legacy gpt-5.6-sol/-terra/-luna and gpt-5.5 (each with an upgrade to gpt-6-sol or gpt-6-luna);
  //   gpt-5.3-codex and gpt-5.4-mini are no longer in it; the descriptions are the catalog's own;
  // - the default: with no `model` configured, codex takes the first listed model by priority
  //   (`get_default_model` → `mark_default_by_picker_visibility`, codex-rs/models-manager/src/manager.rs in
  //   github.com/openai/codex), so gpt-6.2-sol; a ChatGPT login refreshes the catalog from the server, which
  //   may list others;
  // - https://developers.openai.com/codex/models.md (the stored copy still recommends gpt-5.5: behind the
  //   0.171.0 catalog).
  codex: [
    { name: "gpt-6.2-sol", description: "GPT-6.2 Sol: fast, go-to model for coding and everyday work (the CLI's own default)" },
    { name: "gpt-6.2-astra", description: "GPT-6.2 Astra: OpenAI's most capable model for complex coding and professional work" },
    { name: "gpt-6.1-terra", description: "GPT-6.1 Terra: efficient model that excels at visual understanding and computer use" },
    { name: "gpt-6-luna", description: "GPT-6 Luna: fast and affordable model for easier tasks" }
  ],
  // gemini (@google/gemini-cli 0.61.0), read 2026-12-05:
  // - bundle/chunk-*.js, packages/core/src/config/models.ts: GEMINI_MODEL_ALIAS_AUTO "auto", _PRO "pro",
  //   _FLASH "flash", _FLASH_LITE "flash-lite"; DEFAULT_GEMINI_MODEL "gemini-2.5-pro"; PREVIEW_GEMINI_MODEL
  //   "gemini-3-pro-preview" (PREVIEW_GEMINI_3_1_MODEL "gemini-3.1-pro-preview" when enabled);
  //   PREVIEW_GEMINI_FLASH_MODEL "gemini-3-flash-preview"; BASE_GEMINI_FLASH_MODEL "gemini-3.5-flash"
  //   (LATEST_ "gemini-3.8-flash"); BASE_GEMINI_FLASH_LITE_MODEL "gemini-3.1-flash-lite" (LATEST_
  //   "gemini-3.5-flash-lite"); `resolveModel`: auto and pro → gemini-3-pro-preview, or gemini-2.5-pro
  //   without preview access; flash → gemini-3-flash-preview, or gemini-3.5-flash without preview access;
  //   flash-lite → gemini-3.1-flash-lite;
  // - the default: the CLI's config loader sets `defaultModel = GEMINI_MODEL_ALIAS_AUTO` when neither
  //   `--model`, GEMINI_MODEL nor settings' `model.name` is set; bundle/docs/cli/model-routing.md: "The
  //   default model is `auto`";
  // - https://geminicli.com/docs/cli/model/ (Auto recommended; aliases Pro, Flash, Flash-Lite; its model
  //   names, Gemini 2.5 and 3 Pro, lag the 0.61.0 bundle).
  gemini: [
    { name: "auto", description: "gemini routes each request between its Pro and Flash models (the CLI's own default)" },
    {
      name: "pro",
      description: "gemini's alias for its current Pro model: gemini-3-pro-preview, or gemini-2.5-pro without preview access"
    },
    {
      name: "flash",
      description: "gemini's alias for its current Flash model: gemini-3-flash-preview, or gemini-3.5-flash without preview access"
    },
    { name: "flash-lite", description: "gemini's alias for its current Flash-Lite model: gemini-3.1-flash-lite" },
    { name: "gemini-3-pro-preview", description: "Gemini 3 Pro (preview): strongest reasoning and coding, with preview access" },
    { name: "gemini-3.1-pro-preview", description: "Gemini 3.1 Pro (preview): newer Pro preview, where the account has it" },
    { name: "gemini-3-flash-preview", description: "Gemini 3 Flash (preview): fast, with preview access" },
    { name: "gemini-2.5-pro", description: "Gemini 2.5 Pro: the CLI's stable Pro model, used without preview access" },
    { name: "gemini-3.5-flash", description: "Gemini 3.5 Flash: the CLI's stable Flash model, good price-performance" },
    { name: "gemini-3.1-flash-lite", description: "Gemini 3.1 Flash-Lite: the CLI's stable Flash-Lite model, fastest and cheapest" }
  ],
  // grok (xAI's Grok Build CLI), read 2026-12-05; not installed here (the npm package called `grok`,
  // @vibe-kit/grok-cli, is a different, community CLI), so from its sources and docs:
  // - github.com/xai-org/grok-build at 19d42e35 (2026-08-19), crates/codegen/xai-grok-models/default_models.json:
  //   `"default": "grok-4.6"`, models grok-4.6 and grok-4.5; `grok-build` was the default and only model up to
  //   2026-07-16 and is no longer listed; the CLI also fetches its model list from xAI (`grok models`);
  // - https://docs.x.ai/build/overview: custom models, `-m <model>`, and "Use Grok 4.7 on the API";
  // - third-party, not verified: Grok Build 1.0.48 reported grok-4.7 as its default
  //   (https://www.skills.sh/pedroknigge/grok-build-skill/grok-build, 2026-10).
  grok: [
    { name: "grok-4.7", description: "Grok 4.7: xAI's newest model for coding, agentic tasks and knowledge work" },
    { name: "grok-4.6", description: "Grok 4.6: the default in Grok Build's bundled model list" },
    { name: "grok-4.5", description: "Grok 4.5: the previous Grok Build default" }
  ]
}
