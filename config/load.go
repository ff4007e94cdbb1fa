package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// LoadOptions says where Load reads from. The zero value reads the default
// file locations and the process environment.
type LoadOptions struct {
	// Path is the YAML file (--config). When empty, MISTRALBOT_CONFIG is
	// used, else the first of SearchPaths that exists; no file at all is
	// fine (defaults and environment).
	Path string
	// Env looks up an environment variable; nil means os.LookupEnv. Tests
	// inject a map here instead of t.Setenv so they can run in parallel.
	Env func(string) (string, bool)
	// SearchPaths replaces DefaultSearchPaths when non-nil.
	SearchPaths []string
	// ReadFile reads the config file and *_FILE secrets; nil means
	// os.ReadFile.
	ReadFile func(string) ([]byte, error)
	// Environ lists the environment ("NAME=value"), to report MISTRALBOT_*
	// variables that set no key; nil means os.Environ when Env is nil too,
	// and no such check when only Env is given.
	Environ func() []string
}

// DefaultSearchPaths are tried in order when no path is given.
func DefaultSearchPaths() []string {
	return []string{"mistralbot.yaml", "/etc/mistralbot/mistralbot.yaml"}
}

// Load reads the configuration: defaults, then the YAML file, then the
// conventional env names, then MISTRALBOT_* (each layer wins over the one
// before). Unknown keys and values of the wrong type are reported all at
// once in a *ValidationError. Provider- and model-dependent defaults are
// resolved. Load does not call Validate. Every error matches ErrInvalid.
func Load(opts LoadOptions) (*Config, error) {
	if opts.Environ == nil && opts.Env == nil {
		opts.Environ = os.Environ
	}
	if opts.Env == nil {
		opts.Env = os.LookupEnv
	}
	if opts.ReadFile == nil {
		opts.ReadFile = os.ReadFile
	}
	path, data, err := readConfigFile(opts)
	if err != nil {
		return nil, err
	}
	cfg, problems := load(data, opts)
	if len(problems) > 0 {
		slices.Sort(problems)
		verr := &ValidationError{Problems: problems}
		if path != "" {
			return nil, fmt.Errorf("config file %s: %w", path, verr)
		}
		return nil, verr
	}
	return cfg, nil
}

// readConfigFile returns the path and content of the config file, or ""
// and nil when there is none.
func readConfigFile(opts LoadOptions) (string, []byte, error) {
	path := opts.Path
	if path == "" {
		if p, ok := opts.Env("MISTRALBOT_CONFIG"); ok && p != "" {
			path = p
		}
	}
	if path != "" {
		data, err := opts.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			// The first run's likely mistake: say how to get a file, and
			// that none is needed.
			return "", nil, fmt.Errorf("%w: read config file: %w (copy mistralbot.example.yaml to %s and edit it, or name no file: the defaults and MISTRALBOT_* variables are enough)", ErrInvalid, err, path)
		}
		if err != nil {
			return "", nil, fmt.Errorf("%w: read config file: %w", ErrInvalid, err)
		}
		return path, data, nil
	}
	search := opts.SearchPaths
	if search == nil {
		search = DefaultSearchPaths()
	}
	for _, p := range search {
		data, err := opts.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", nil, fmt.Errorf("%w: read config file: %w", ErrInvalid, err)
		}
		return p, data, nil
	}
	return "", nil, nil
}

// load does the work of Load on the file content.
func load(data []byte, opts LoadOptions) (*Config, []string) {
	tree, problems := parseYAML(data)
	if len(problems) > 0 {
		return nil, problems
	}
	defs := defaults()
	kp := checkKeys(tree, defs)
	problems = kp.problems
	rawChannels := tree["channels"]
	delete(tree, "channels")
	rawServers := takeServers(tree)
	servers, serverProblems := decodeServers(rawServers)
	problems = append(problems, serverProblems...)
	serverKeys, serverEnvProblems := applyServerEnv(servers, opts)
	problems = append(problems, serverEnvProblems...)

	v := viper.New()
	for k, d := range defs {
		if m, ok := d.(map[string]string); ok {
			// One default per entry, so that file entries merge with them.
			for name, val := range m {
				v.SetDefault(k+"."+strings.ToLower(name), val)
			}
			continue
		}
		v.SetDefault(k, d)
	}
	if err := v.MergeConfigMap(tree); err != nil {
		return nil, append(problems, err.Error())
	}
	keys := envKeys(defs, tree)
	fromEnv, envProblems := applyEnv(v, keys, opts)
	problems = append(problems, envProblems...)
	var envTypos []string
	if opts.Environ != nil {
		envTypos = unknownEnv(opts.Environ(), append(slices.Clone(keys), serverKeys...))
	}

	var cfg Config
	if err := v.UnmarshalExact(&cfg, viper.DecodeHook(decodeHooks())); err != nil {
		for _, p := range decodeProblems(err) {
			key, msg, _ := strings.Cut(p, ": ")
			// checkKeys already named each unknown key of the file and
			// each section that is not a mapping.
			if strings.HasPrefix(msg, "has invalid keys") && len(problems) > 0 || kp.covers(key) {
				continue
			}
			if name := fromEnv[key]; name != "" {
				p = key + " (from " + name + "): " + msg
			}
			problems = append(problems, p)
		}
	}
	channels, chProblems := decodeChannels(rawChannels)
	problems = append(problems, chProblems...)
	if len(problems) > 0 {
		return nil, problems
	}
	cfg.Channels = channels
	cfg.Tools.MCPServers = servers
	cfg.resolve()
	cfg.envProblems = envTypos
	return &cfg, nil
}

// parseYAML decodes the file into a tree of map[string]any. Keys are
// lower-cased (viper is case-insensitive) except channel ids, which keep
// their case because Slack ids are upper-case. Null values are dropped so
// that "key:" with nothing after it means the default.
func parseYAML(data []byte) (map[string]any, []string) {
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, []string{"parse YAML: " + err.Error()}
	}
	if doc == nil {
		return map[string]any{}, nil
	}
	root, ok := asMap(doc)
	if !ok {
		return nil, []string{"the top level must be a mapping of keys (llm:, slack:, ...)"}
	}
	return normalizeTree(root, ""), nil
}

// asMap returns m as a map with string keys when it is a mapping.
func asMap(m any) (map[string]any, bool) {
	switch x := m.(type) {
	case map[string]any:
		return x, true
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, v := range x {
			out[fmt.Sprint(k)] = v
		}
		return out, true
	}
	return nil, false
}

func normalizeTree(m map[string]any, prefix string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if v == nil {
			continue
		}
		key := k
		if prefix != "channels" {
			key = strings.ToLower(k)
		}
		if sub, ok := asMap(v); ok {
			v = normalizeTree(sub, joinKey(prefix, key))
		}
		out[key] = v
	}
	return out
}

func joinKey(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

// decodeHooks are viper's usual hooks made stricter and friendlier.
func decodeHooks() mapstructure.DecodeHookFunc {
	return mapstructure.ComposeDecodeHookFunc(durationHook, listHook, wholeNumberHook, boolHook)
}

// decodeProblems flattens mapstructure's joined errors into one problem
// per key.
func decodeProblems(err error) []string {
	var out []string
	var walk func(error)
	walk = func(e error) {
		switch x := e.(type) {
		case *mapstructure.DecodeError:
			out = append(out, decodeName(x.Name())+": "+x.Unwrap().Error())
		case interface{ Unwrap() []error }:
			for _, inner := range x.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			if inner := x.Unwrap(); inner != nil {
				walk(inner)
				return
			}
			out = append(out, e.Error())
		default:
			out = append(out, e.Error())
		}
	}
	walk(err)
	return out
}

// decodeName turns mapstructure's "llm.headers[x-title]" into the key
// "llm.headers.x-title"; list indexes stay: "bot.admins[0]".
func decodeName(name string) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(name, '[')
		end := strings.IndexByte(name[max(open, 0):], ']') + max(open, 0)
		if open < 0 || end < open {
			b.WriteString(name)
			break
		}
		inner := name[open+1 : end]
		b.WriteString(name[:open])
		if strings.Trim(inner, "0123456789") == "" {
			b.WriteString("[" + inner + "]")
		} else {
			b.WriteString("." + inner)
		}
		name = name[end+1:]
	}
	return strings.TrimPrefix(b.String(), ".")
}

// decodeChannels decodes channels.* with the same hooks as the rest.
func decodeChannels(raw any) (map[string]Channel, []string) {
	channels := map[string]Channel{}
	if raw == nil {
		return channels, nil
	}
	all, ok := raw.(map[string]any)
	if !ok {
		return nil, nil // reported by checkKeys
	}
	valid := make(map[string]any, len(all))
	for id, ch := range all {
		if _, ok := ch.(map[string]any); ok {
			valid[id] = ch // the others are reported by checkKeys
		}
	}
	var problems []string
	dec, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		DecodeHook:       decodeHooks(),
		WeaklyTypedInput: true,
		Result:           &channels,
	})
	if err != nil {
		return nil, []string{"channels: " + err.Error()}
	}
	if err := dec.Decode(valid); err != nil {
		for _, p := range decodeProblems(err) {
			problems = append(problems, "channels."+p)
		}
	}
	return channels, problems
}
