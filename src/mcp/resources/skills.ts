/**
 * `skills://<name>`: usage guides for the client's model, written for this
 * gateway (markdown). They are string constants, so the one-file binary
 * carries them. A test checks that every tool they name exists.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { allClis, cliList } from "../../domain/Cli.js"
import * as Resource from "../Resource.js"

/**
 * A usage guide.
 *
 * @since 0.1.0
 */
export interface Skill {
  readonly name: string
  readonly title: string
  readonly description: string
  readonly markdown: string
}

const asyncOrchestration: Skill = {
  name: "async-orchestration",
  title: "Long runs as durable jobs",
  description: "Start long CLI runs in the background, wait without polling, read big replies in pages, cancel.",
  markdown: `# Long runs as durable jobs

Every request to a CLI (${cliList()}) is a **job** stored in the gateway's SQLite database. A job
survives a client timeout and a server restart; any gateway process on the same database can report it.

## Start
- \`<cli>_request\` (${allClis.map((c) => "`" + c + "_request`").join(", ")}) answers with the reply when
  the CLI ends. If it is still running after \`SYNC_DEADLINE_MS\` (45 s by default) the answer is a
  *deferred* job reference instead: \`structuredContent.deferred: true\` and a \`jobId\`. The run goes on.
- For work you expect to take long, start it with \`<cli>_request_async\`: it answers at once with \`jobId\` and \`status\`
  (\`queued\` or \`running\`).

## Wait, then read
1. \`llm_job_wait { "jobId": "…", "timeoutMs": 600000 }\` waits up to ten minutes for the job to end and
   answers like \`llm_job_status\`. Call it again while the status is \`queued\` or \`running\`. Do not
   loop on \`llm_job_status\`.
2. \`llm_job_result { "jobId": "…" }\` gives the reply, 200,000 characters at a time (\`maxChars\`
   1,000 – 2,000,000). When \`nextOffset\` is not null, call it again with \`"offset": nextOffset\`.
   Before a job completes it gives the raw output so far.

## Several at once
Start several async jobs, then wait on each. The gateway runs at most
\`LLM_GATEWAY_MAX_CONCURRENT_PER_CLI\` (8) jobs per CLI and \`LLM_GATEWAY_MAX_CONCURRENT_JOBS\` (16) in
all; the rest wait as \`queued\`, in order. \`llm_process_health\` shows what runs, what waits and the limits.

## Identical requests share a run
A request identical to one made in the last hour (\`LLM_GATEWAY_DEDUP_WINDOW_MS\`) lands on the same job:
the answer says \`deduped: true\`. Re-asking after a timeout therefore costs nothing. Pass
\`forceRefresh: true\` to start a fresh run on purpose.

## Stop
\`llm_job_cancel { "jobId": "…" }\` ends the CLI's whole process group. Cancelling an MCP call to a sync
request tool also ends the run it started (not a run it merely joined).

## Silence and failures
A CLI that prints nothing for \`idleTimeoutMs\` (default 10 minutes, up to an hour) is stopped with
\`IdleTimeout\`: raise it for work that may think for long without printing. Failures are
typed: read \`structuredContent.error._tag\` (\`CliAuthRequired\`, \`CliRateLimited\`, \`IdleTimeout\`,
\`InvalidRequest\`, \`JobNotFound\`, …) and follow the message.

## Later
Each request also leaves a row in the \`flight_recorder\` table of the database (start, retries, end,
duration, usage and cost), and \`metrics://performance\` sums them up per CLI.
`
}

const multiModelReview: Skill = {
  name: "multi-model-review",
  title: "One change, several reviewers",
  description: "Have codex, gemini, grok and claude review the same change in parallel, then merge the findings.",
  markdown: `# One change, several reviewers

Different models catch different mistakes. Ask several of them the same question in parallel, then merge
what they say.

## 1. One prompt for all
Write a single review prompt that stands on its own: what changed (the diff, or the files and the branch),
what the change is meant to do, and the answer you want (for example "a list of findings, each with file,
line, severity and a one-line fix; say NONE if you find nothing"). The prompt travels on stdin or in a
private file, never as a command-line option, so any text is safe to send.

## 2. Start the reviewers
Start one async job per reviewer, in the repository's folder the gateway runs in:

- \`codex_request_async { "prompt": "…" }\`
- \`gemini_request_async { "prompt": "…" }\`
- \`grok_request_async { "prompt": "…" }\`
- \`claude_request_async { "prompt": "…" }\` when the author was not claude

Give each a \`correlationId\` that ties them together, such as \`review-42-codex\` and \`review-42-gemini\`:
the ids appear in the gateway's logs and in the \`flight_recorder\` table, so the review can be traced later.

Reviews read; they do not need to write. To be sure, pass \`"approvalStrategy": "mcp_managed"\` and
\`"approvalPolicy": "strict"\`: a request asking for write access, any shell command, a tool the gateway does
not know, every tool or a full bypass is then refused with \`ApprovalDenied\` before anything runs. \`approval_list\` shows the
decisions.

## 3. Collect
For each \`jobId\`: \`llm_job_wait\` until the status is final, then \`llm_job_result\` (page with
\`offset\` while \`nextOffset\` is not null). A reviewer that failed says why in
\`structuredContent.error._tag\` (\`CliAuthRequired\`: that CLI needs a login; \`CliRateLimited\`: try it
later); go on with the others.

## 4. Merge
Group the findings by file and line. A finding two reviewers report independently is probably real; one
that only one reviewer reports deserves a look at the code before you act. Report which reviewer said what.

## 5. Follow-up questions
To ask a reviewer about its own findings, continue its conversation: pass the \`sessionId\` from its
reply's \`structuredContent\` with the next request to the same CLI (see \`skills://sessions\`).

## Models
\`list_models\` (or \`models://codex\` and its siblings) lists each CLI's models, aliases and default;
pass \`model\` to choose one.
`
}

const sessions: Skill = {
  name: "sessions",
  title: "Conversations that continue",
  description: "Continue a CLI's conversation across requests, by its own session id or a gateway session.",
  markdown: `# Conversations that continue

Each request starts a new CLI conversation unless it says otherwise.

## By the CLI's own id
A completed request's \`structuredContent.sessionId\` is the CLI's own session id. Pass it back as
\`sessionId\` in the next request to the **same** CLI to continue that conversation.

## The latest conversation
Without a \`sessionId\`: \`continueSession: true\` (claude: the latest conversation in the folder) or
\`resumeLatest: true\` (codex, gemini, grok). \`createNewSession: true\` always starts afresh and wins over
both and over \`sessionId\`.

## Gateway sessions: a stable name
\`session_create { "cli": "codex", "description": "Parser refactor" }\` makes a gateway session
(\`gw-…\`), active for that CLI unless \`setAsActive: false\`.

1. Send the first request **without** \`sessionId\`: the conversation it starts is linked to the active
   gateway session when the request completes.
2. Later requests pass \`"sessionId": "gw-…"\`: the gateway puts the linked conversation's id in its place,
   so the CLI resumes it.

A \`gw-…\` id is refused before anything runs when the session does not exist (\`SessionNotFound\`),
belongs to another CLI (\`SessionCliMismatch\`) or has no conversation linked yet
(\`GatewaySessionUnlinked\`: send one request without \`sessionId\` while the session is active).

## Look after them
- \`session_list\` (or \`sessions://all\`, \`sessions://codex\`, …): sessions, newest use first, and each
  CLI's active one.
- \`session_get { "sessionId": "gw-…" }\`: one session and the conversation it continues.
- \`session_set_active\` changes (or clears) a CLI's active session.
- \`session_delete\` and \`session_clear_all\` forget sessions; the CLIs' own conversation files stay.

The active session never makes a request resume anything by itself; it only chooses which gateway session
a new conversation is linked to.
`
}

/**
 * Every usage guide.
 *
 * @since 0.1.0
 */
export const skills: ReadonlyArray<Skill> = [asyncOrchestration, multiModelReview, sessions]

/** `skills://<name>`, one fixed resource per guide. @since 0.1.0 */
export const skillResources = skills.map((skill) =>
  Resource.make({
    uri: `skills://${skill.name}`,
    name: skill.title,
    description: skill.description,
    mimeType: "text/markdown",
    read: Effect.succeed({ mimeType: "text/markdown", text: skill.markdown })
  })
)
