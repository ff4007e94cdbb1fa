package config

import (
	"errors"
	"io/fs"
	"reflect"
	"strings"
	"testing"
)

// world is an injected environment and file system.
type world struct {
	env   map[string]string
	files map[string]string
}

func (w world) options(path string) LoadOptions {
	return LoadOptions{
		Path: path,
		Env: func(k string) (string, bool) {
			v, ok := w.env[k]
			return v, ok
		},
		SearchPaths: []string{},
		ReadFile: func(p string) ([]byte, error) {
			s, ok := w.files[p]
			if !ok {
				return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
			}
			return []byte(s), nil
		},
	}
}

// loadYAML loads yaml (no file when empty) with env.
func loadYAML(t *testing.T, yaml string, env map[string]string) (*Config, error) {
	t.Helper()
	w := world{env: env, files: map[string]string{}}
	path := ""
	if yaml != "" {
		path = "/test/mistralbot.yaml"
		w.files[path] = yaml
	}
	return Load(w.options(path))
}

func mustLoad(t *testing.T, yaml string, env map[string]string) *Config {
	t.Helper()
	c, err := loadYAML(t, yaml, env)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

// problemsOf returns the problems of a *ValidationError, failing otherwise.
func problemsOf(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		t.Fatal("got no error, want a *ValidationError")
	}
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("errors.Is(%v, ErrInvalid) = false", err)
	}
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("error %T %v is not a *ValidationError", err, err)
	}
	return verr.Problems
}

// valueAt returns the field of c at a dotted key, following mapstructure
// tags.
func valueAt(t *testing.T, c *Config, key string) any {
	t.Helper()
	v := reflect.ValueOf(c).Elem()
	for part := range strings.SplitSeq(key, ".") {
		found := false
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).Tag.Get("mapstructure") == part {
				v, found = v.Field(i), true
				break
			}
		}
		if !found {
			t.Fatalf("no field for key %q", key)
		}
	}
	return v.Interface()
}

// leafKeys lists the dotted mapstructure keys of every leaf field of t.
func leafKeys(t reflect.Type, prefix string) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Tag.Get("mapstructure") == "-" || !f.IsExported() {
			continue // derived or what Load found for Validate: not a key
		}
		key := joinKey(prefix, f.Tag.Get("mapstructure"))
		if f.Type.Kind() == reflect.Struct && f.Type.String() != "time.Duration" {
			out = append(out, leafKeys(f.Type, key)...)
			continue
		}
		out = append(out, key)
	}
	return out
}
