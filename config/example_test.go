package config

import (
	"os"
	"reflect"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"
)

const examplePath = "../mistralbot.example.yaml"

// The example file lists every key with its default: loading it gives
// exactly the defaults, and its keys are exactly Keys().
func TestExampleFileListsEveryKeyWithItsDefault(t *testing.T) {
	t.Parallel()
	w := world{env: map[string]string{}, files: map[string]string{}}
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	w.files[examplePath] = string(data)
	fromExample, err := Load(w.options(examplePath))
	if err != nil {
		t.Fatalf("the example does not load: %v", err)
	}
	defaults := mustLoad(t, "", nil)
	if !reflect.DeepEqual(fromExample, defaults) {
		t.Errorf("the example's values differ from the defaults:\nexample:\n%s\ndefaults:\n%s",
			fromExample.Redacted(), defaults.Redacted())
	}

	var tree map[string]any
	if err := yaml.Unmarshal(data, &tree); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for section, v := range tree {
		m, ok := v.(map[string]any)
		if !ok || section == "channels" {
			keys = append(keys, section)
			continue
		}
		for k := range m {
			keys = append(keys, section+"."+k)
		}
	}
	slices.Sort(keys)
	if want := Keys(); !slices.Equal(keys, want) {
		t.Errorf("example keys differ from Keys():\nexample %v\nKeys()  %v", keys, want)
	}
	headers := tree["llm"].(map[string]any)["headers"].(map[string]any)
	for name, val := range defaultsHeaders() {
		if headers[name] != val {
			t.Errorf("example header %s = %v, want %q", name, headers[name], val)
		}
	}
}

func defaultsHeaders() map[string]string {
	return defaults()["llm.headers"].(map[string]string)
}

// Load goes through viper's UnmarshalExact: the example must pass it with
// nothing else (no env), which the test above proves; this one proves the
// check bites: one extra key in the example is refused.
func TestExampleWithATypoIsRefused(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	_, err = loadYAML(t, string(data)+"\nserver2: {}\n", nil)
	if problems := problemsOf(t, err); len(problems) != 1 || problems[0] != `unknown key "server2" (did you mean "server"?)` {
		t.Errorf("problems = %q", problems)
	}
}
