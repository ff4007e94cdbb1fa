package config

import (
	"fmt"
	"slices"
	"strings"
)

// keyProblems are the problems of the file's structure and the keys they
// are about, so that the decoder's reports on the same keys can be dropped.
type keyProblems struct {
	problems []string
	bad      map[string]bool
}

func (kp *keyProblems) add(key, problem string) {
	kp.problems = append(kp.problems, problem)
	kp.bad[key] = true
}

// covers reports whether a problem was already reported for key or one of
// its parents.
func (kp *keyProblems) covers(key string) bool {
	for k := key; ; {
		if kp.bad[k] {
			return true
		}
		i := strings.LastIndexAny(k, ".[")
		if i < 0 {
			return false
		}
		k = k[:i]
	}
}

// checkKeys reports every key of the file tree that is not a config key,
// with the closest known key as a hint, and sections that are not
// mappings. Value types are checked later by the decoder. It removes the
// keys viper would misread (containing ".").
func checkKeys(tree map[string]any, defs map[string]any) *keyProblems {
	known := make([]string, 0, len(defs)+1)
	for k := range defs {
		known = append(known, k)
	}
	known = append(known, "channels", toolsKey)
	kp := &keyProblems{bad: map[string]bool{}}
	walkKeys(tree, "", known, kp)
	return kp
}

// suggestions are the known keys and their sections, for hints.
func suggestions(known []string) []string {
	out := slices.Clone(known)
	for _, k := range known {
		if section, _, ok := strings.Cut(k, "."); ok && !slices.Contains(out, section) {
			out = append(out, section)
		}
	}
	return out
}

func walkKeys(node map[string]any, prefix string, known []string, kp *keyProblems) {
	for k, val := range node {
		key := joinKey(prefix, k)
		switch {
		case k == "" || strings.Contains(k, "."):
			// viper would read "llm.model:" as a nested key; refuse the
			// ambiguity.
			kp.add(key, fmt.Sprintf("unknown key %q (write nested keys as nested mappings)", key))
			delete(node, k) // keep it from viper, which would split it
		case key == "channels":
			checkChannelKeys(val, kp)
		case key == toolsKey:
			checkServerKeys(val, kp)
		case key == "llm.headers":
			m, ok := val.(map[string]any)
			if !ok {
				kp.add(key, "llm.headers: must be a mapping of header names to values")
				continue
			}
			for name, hv := range m {
				if name == "" || strings.Contains(name, ".") {
					kp.add(key+"."+name, fmt.Sprintf("llm.headers: %q is not a valid header name", name))
					delete(m, name)
					continue
				}
				switch hv.(type) {
				case map[string]any, []any:
					kp.add(key+"."+name, fmt.Sprintf("llm.headers.%s: must be a string", name))
				}
			}
		case slices.Contains(known, key):
			// A leaf; the decoder checks its type.
		case isSection(key, known):
			sub, ok := val.(map[string]any)
			if !ok {
				kp.add(key, fmt.Sprintf("%s: must be a mapping of keys", key))
				continue
			}
			walkKeys(sub, key, known, kp)
		default:
			kp.add(key, unknownKey(key, suggestions(known)))
		}
	}
}

func isSection(key string, known []string) bool {
	for _, k := range known {
		if strings.HasPrefix(k, key+".") {
			return true
		}
	}
	return false
}

func isChannelKey(k string) bool {
	switch k {
	case "language", "system_prompt", "model", "enabled", "tools":
		return true
	}
	return false
}

func checkChannelKeys(val any, kp *keyProblems) {
	channels, ok := val.(map[string]any)
	if !ok {
		kp.add("channels", `channels: must be a mapping of channel ids ("slack:C123") to settings`)
		return
	}
	for id, ch := range channels {
		if strings.Contains(id, ".") {
			kp.add("channels."+id, fmt.Sprintf(`channels: %q is not a channel id ("slack:C123", "discord:1100")`, id))
			continue
		}
		m, ok := ch.(map[string]any)
		if !ok {
			kp.add("channels."+id, fmt.Sprintf("channels.%s: must be a mapping (language, system_prompt, model, enabled, tools)", id))
			continue
		}
		for k := range m {
			if !isChannelKey(k) {
				kp.add("channels."+id+"."+k, unknownKey("channels."+id+"."+k,
					[]string{"channels." + id + ".language", "channels." + id + ".system_prompt",
						"channels." + id + ".model", "channels." + id + ".enabled", "channels." + id + ".tools"}))
			}
		}
	}
}

// unknownKey words the problem for an unknown key, suggesting the closest
// known key when one is near.
func unknownKey(key string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := editDistance(key, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf("unknown key %q (did you mean %q?)", key, best)
	}
	return fmt.Sprintf("unknown key %q", key)
}

// editDistance is the optimal-string-alignment distance: insertions,
// deletions, substitutions and adjacent transpositions cost 1.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
