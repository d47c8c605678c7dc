// SPDX-License-Identifier: MIT
/*
 * profiles.c - built-in agent profiles: data only
 *
 * A profile lists what one agent needs and nothing more: its own config
 * and state paths, the hosts it talks to, and the files inside its
 * writable config that would make the host run code or obey new
 * instructions the next time the agent runs outside the jail; those stay
 * read-only (protect) or are given a throwaway copy (copy).
 *
 * What the agent contacts in the background on its own (update checks,
 * telemetry, error reports, plugin catalogues over SSH) is listed as
 * quiet: under --ask it is denied without a question, so that starting
 * the agent asks nothing; an --allow of the host still wins. Where the
 * agent has a switch for it, the switch is set too.
 */
#include "jail.h"
#include "config/config.h"

#define E(k, v) { PROF_##k, v, NULL }
/* A secret brokered to its API, with the base URL that reaches the broker */
#define SECRET(v, url) { PROF_SECRET, v, url }

static const struct profile_entry claude[] = {
	E(RW_TRY, "~/.claude"),
	/* Holds user-level MCP servers: a throwaway copy, never written back */
	E(COPY, "~/.claude.json"),
	E(PROTECT, "~/.claude/settings.json"),
	E(PROTECT, "~/.claude/settings.local.json"),
	E(PROTECT, "~/.claude/commands"),
	E(PROTECT, "~/.claude/agents"),
	E(PRIVATE, "~/.claude/plugins"),
	E(PROTECT, "~/.claude/hooks"),
	E(PROTECT, "~/.claude/skills"),
	E(PROTECT, "~/.claude/CLAUDE.md"),
	E(PROTECT, "~/.claude/.mcp.json"),
	E(ALLOW, "api.anthropic.com:443"),
	E(ALLOW, "statsig.anthropic.com:443"),
	E(ALLOW, "console.anthropic.com:443"),
	E(ALLOW, "claude.ai:443"),
	/* Sign-in and token refresh; claude.ai's MCP connectors */
	E(ALLOW, "platform.claude.com:443"),
	E(ALLOW, "mcp-proxy.anthropic.com:443"),
	E(ENV, "ANTHROPIC_BASE_URL"),
	E(ENV, "ANTHROPIC_MODEL"),
	E(ENV, "CLAUDE_CODE_USE_BEDROCK"),
	E(ENV, "DISABLE_AUTOUPDATER=1"),
	/* Telemetry, error reports, the bug command, update checks: off */
	E(ENV, "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1"),
	/* Background: updates, error reports, logs, the plugin catalogue */
	E(QUIET, "storage.googleapis.com"),
	E(QUIET, "downloads.claude.ai"),
	E(QUIET, "sentry.io"),
	E(QUIET, "*.sentry.io"),
	E(QUIET, "*.datadoghq.com"),
	E(QUIET, "github.com:22"),
	SECRET("ANTHROPIC_API_KEY@api.anthropic.com",
	       "ANTHROPIC_BASE_URL=http://api.anthropic.com.jail.internal"),
};

static const struct profile_entry codex[] = {
	E(RW_TRY, "~/.codex"),
	E(PROTECT, "~/.codex/config.toml"),
	E(PROTECT, "~/.codex/AGENTS.md"),
	E(PROTECT, "~/.codex/prompts"),
	E(PROTECT, "~/.codex/rules"),
	E(ALLOW, "api.openai.com:443"),
	E(ALLOW, "chatgpt.com:443"),
	E(ALLOW, "auth.openai.com:443"),
	E(ENV, "OPENAI_BASE_URL"),
	/* Background: feature flags, telemetry, error reports */
	E(QUIET, "ab.chatgpt.com"),
	E(QUIET, "*.sentry.io"),
	SECRET("OPENAI_API_KEY@api.openai.com",
	       "OPENAI_BASE_URL=http://api.openai.com.jail.internal/v1"),
};

static const struct profile_entry gemini[] = {
	E(RW_TRY, "~/.gemini"),
	E(PROTECT, "~/.gemini/settings.json"),
	E(PROTECT, "~/.gemini/GEMINI.md"),
	E(PROTECT, "~/.gemini/commands"),
	E(PROTECT, "~/.gemini/extensions"),
	/* Loaded into the CLI's environment, which its tools inherit */
	E(PROTECT, "~/.gemini/.env"),
	E(ALLOW, "generativelanguage.googleapis.com:443"),
	E(ALLOW, "cloudcode-pa.googleapis.com:443"),
	E(ALLOW, "oauth2.googleapis.com:443"),
	E(ALLOW, "play.googleapis.com:443"),
	/* The signed-in user's account (oauth2/v2/userinfo) */
	E(ALLOW, "www.googleapis.com:443"),
	E(ENV, "GOOGLE_CLOUD_PROJECT"),
	/* Background: the update check (a question at every start) */
	E(ENV, "NO_UPDATE_NOTIFIER=1"),
};

static const struct profile_entry aider[] = {
	E(RW_TRY, "~/.aider"),
	E(RO_TRY, "~/.aider.conf.yml"),
	E(RO_TRY, "~/.gitconfig"),
	E(ALLOW, "api.openai.com:443"),
	E(ALLOW, "api.anthropic.com:443"),
	E(ALLOW, "openrouter.ai:443"),
	E(ENV, "AIDER_MODEL"),
};

static const struct profile_entry opencode[] = {
	E(RW_TRY, "~/.local/share/opencode"),
	E(RW_TRY, "~/.cache/opencode"),
	E(RO_TRY, "~/.config/opencode"),
	E(ALLOW, "opencode.ai:443"),
	E(ALLOW, "models.dev:443"),
	E(ALLOW, "api.anthropic.com:443"),
	E(ALLOW, "api.openai.com:443"),
};

#define P(n, doc) { #n, doc, n, ARRAY_SIZE(n) }

static const struct profile profiles[] = {
	P(claude, "Claude Code: ~/.claude (hooks, commands, agents, plugins, "
		  "settings and CLAUDE.md read-only), Anthropic API"),
	P(codex, "OpenAI Codex CLI: ~/.codex (config.toml, AGENTS.md, "
		 "prompts read-only), OpenAI API"),
	P(gemini, "Gemini CLI: ~/.gemini (settings, GEMINI.md, commands, "
		  "extensions, .env read-only), Google APIs"),
	P(aider, "aider: ~/.aider, its config read-only, OpenAI, Anthropic "
		 "and OpenRouter APIs"),
	P(opencode, "opencode: its data and cache dirs, its config read-only, "
		    "model APIs"),
};

const struct profile *profile_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(profiles); i++)
		if (!strcmp(profiles[i].name, name))
			return &profiles[i];
	return NULL;
}

const struct profile *profile_at(size_t i)
{
	return i < ARRAY_SIZE(profiles) ? &profiles[i] : NULL;
}
