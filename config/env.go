package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/viper"
)

// EnvPrefix starts the environment name of every key.
const EnvPrefix = "MISTRALBOT"

// envName returns MISTRALBOT_LLM_API_KEY for llm.api_key and
// MISTRALBOT_LLM_HEADERS_X_TITLE for llm.headers.x-title.
func envName(key string) string {
	r := strings.NewReplacer(".", "_", "-", "_")
	return EnvPrefix + "_" + strings.ToUpper(r.Replace(key))
}

// conventionalNames returns the widely used env names for a key, given the
// provider for llm.api_key; "" provider gives all of them.
func conventionalNames(key, provider string) []string {
	switch key {
	case "llm.api_key":
		switch provider {
		case ProviderOpenRouter:
			return []string{"OPENROUTER_API_KEY"}
		case ProviderMistral:
			return []string{"MISTRAL_API_KEY"}
		case ProviderOpenAI:
			return []string{"OPENAI_API_KEY"}
		case "":
			return []string{"OPENROUTER_API_KEY", "MISTRAL_API_KEY", "OPENAI_API_KEY"}
		}
	case "slack.bot_token":
		return []string{"SLACK_BOT_TOKEN"}
	case "slack.app_token":
		return []string{"SLACK_APP_TOKEN"}
	case "slack.signing_secret":
		return []string{"SLACK_SIGNING_SECRET"}
	case "discord.token":
		return []string{"DISCORD_BOT_TOKEN"}
	case "discord.application_id":
		return []string{"DISCORD_APPLICATION_ID"}
	case "discord.public_key":
		return []string{"DISCORD_PUBLIC_KEY"}
	}
	return nil
}

// EnvNames returns the environment variables that set a key, the one that
// wins first: MISTRALBOT_<KEY>, then the conventional names (for
// llm.api_key, all three providers' names; only the configured provider's
// is read). Every MISTRALBOT_<KEY> may also be given as
// MISTRALBOT_<KEY>_FILE, the path of a file holding the value.
func EnvNames(key string) []string {
	return append([]string{envName(key)}, conventionalNames(key, "")...)
}

// envKeys lists the keys the environment may set: every default key, with
// llm.headers expanded to the header names known from the defaults and the
// file.
func envKeys(defs map[string]any, tree map[string]any) []string {
	keys := make([]string, 0, len(defs)+4)
	for k := range defs {
		if k != "llm.headers" {
			keys = append(keys, k)
		}
	}
	for name := range defs["llm.headers"].(map[string]string) {
		keys = append(keys, "llm.headers."+strings.ToLower(name))
	}
	if llm, ok := tree["llm"].(map[string]any); ok {
		if h, ok := llm["headers"].(map[string]any); ok {
			for name := range h {
				keys = append(keys, "llm.headers."+name)
			}
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// applyEnv sets every key found in the environment on v (viper's override
// layer, above the file). viper's AutomaticEnv reads the process
// environment only; doing the lookup here lets tests inject an environment
// and adds the conventional names and *_FILE secrets.
// It returns the env name each set key came from.
func applyEnv(v *viper.Viper, keys []string, opts LoadOptions) (map[string]string, []string) {
	var problems []string
	from := map[string]string{}
	for _, key := range keys {
		val, ok, err := lookupEnv(envName(key), opts)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if ok {
			v.Set(key, val)
			from[key] = envName(key)
		}
	}
	provider := strings.ToLower(strings.TrimSpace(v.GetString("llm.provider")))
	for _, key := range keys {
		if from[key] != "" {
			continue
		}
		for _, name := range conventionalNames(key, provider) {
			if val, ok := opts.Env(name); ok && val != "" {
				v.Set(key, val)
				from[key] = name
				break
			}
		}
	}
	return from, problems
}

// lookupEnv reads name, or the file named by name_FILE with its trailing
// newline trimmed. An empty variable counts as unset. The error never
// contains the value.
func lookupEnv(name string, opts LoadOptions) (string, bool, error) {
	val, ok := opts.Env(name)
	ok = ok && val != ""
	path, fromFile := opts.Env(name + "_FILE")
	fromFile = fromFile && path != ""
	switch {
	case ok && fromFile:
		return "", false, fmt.Errorf("%s and %s_FILE are both set: use one", name, name)
	case fromFile:
		data, err := opts.ReadFile(path)
		if err != nil {
			return "", false, fmt.Errorf("%s_FILE: %w", name, err)
		}
		return strings.TrimRight(string(data), "\r\n"), true, nil
	}
	return val, ok, nil
}

// unknownEnv reports every MISTRALBOT_* variable of environ that sets no
// key (MISTRALBOT_SLACK_ENABLE, MISTRALBOT_LLM_MODLE: typos that would
// otherwise be ignored silently), with the closest known name as a hint.
// An empty variable is reported too: it is as much a typo.
func unknownEnv(environ []string, keys []string) []string {
	known := map[string]bool{EnvPrefix + "_CONFIG": true}
	for _, k := range keys {
		known[envName(k)] = true
		known[envName(k)+"_FILE"] = true
	}
	names := make([]string, 0, len(known))
	for n := range known {
		names = append(names, n)
	}
	slices.Sort(names)
	var problems []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		// MISTRALBOT_TEST_* configure the test suites, not the bot.
		if !strings.HasPrefix(name, EnvPrefix+"_") || known[name] || strings.HasPrefix(name, EnvPrefix+"_TEST_") {
			continue
		}
		best, bestDist := "", 4
		for _, n := range names {
			if d := editDistance(name, n); d < bestDist {
				best, bestDist = n, d
			}
		}
		msg := name + ": unknown environment variable (it sets no configuration key)"
		switch {
		case best != "":
			msg = fmt.Sprintf("%s: unknown environment variable (did you mean %s?)", name, best)
		case strings.HasPrefix(name, envName("llm.headers")+"_"):
			msg = name + ": unknown environment variable (extra LLM headers are set in the file, under llm.headers)"
		}
		problems = append(problems, msg)
	}
	slices.Sort(problems)
	return problems
}
