package main

import (
	"fmt"
	"os"
	"strings"

	"mistralbot/llm/llmtest"
)

// fakePrefix starts every default answer, so nobody mistakes the fake
// model for a broken real one.
const fakePrefix = "(fake model) you said: "

// replyOptions choose what the command's fake model answers.
type replyOptions struct {
	reply     string // -reply
	replyFile string // -reply-file
	code      bool   // -code
}

// scenarioFor returns the Options.ScenarioFor of the flags: the same
// scripted answer to every question (-reply, -reply-file, -code), else the
// question said back, without the speaker prefix the bot adds ("you: ").
func scenarioFor(o replyOptions) (func(string) (llmtest.Scenario, bool), error) {
	set := 0
	for _, on := range []bool{o.reply != "", o.replyFile != "", o.code} {
		if on {
			set++
		}
	}
	if set > 1 {
		return nil, fmt.Errorf("-reply, -reply-file and -code are exclusive: give one")
	}
	fixed := o.reply
	if o.replyFile != "" {
		b, err := os.ReadFile(o.replyFile)
		if err != nil {
			return nil, fmt.Errorf("-reply-file: %w", err)
		}
		if fixed = string(b); strings.TrimSpace(fixed) == "" {
			return nil, fmt.Errorf("-reply-file %s is empty", o.replyFile)
		}
	}
	if o.code {
		fixed = codeAnswer
	}
	if fixed != "" {
		return func(string) (llmtest.Scenario, bool) { return llmtest.Scenario{Reply: fixed}, true }, nil
	}
	return func(lastUser string) (llmtest.Scenario, bool) {
		return llmtest.Scenario{Reply: fakePrefix + withoutSpeaker(lastUser)}, true
	}, nil
}

// withoutSpeaker drops the "name: " the bot puts before a user's message
// in a shared conversation: a first word of at most 40 bytes, no space.
func withoutSpeaker(msg string) string {
	name, rest, ok := strings.Cut(msg, ": ")
	if !ok || name == "" || len(name) > 40 || strings.ContainsAny(name, " \t\n") {
		return msg
	}
	return rest
}

// codeAnswer is -code's answer: long, Markdown with a heading, a list and
// a fenced Go block of about 60 lines, to see splitting, code fences and
// streaming of a realistic reply.
const codeAnswer = "## Reversing a slice in Go\n\n" +
	"Since Go 1.21 the standard library does it: `slices.Reverse(s)` reverses in place.\n" +
	"Written by hand, swap from both ends towards the middle:\n\n" +
	"- it runs in O(n) time and O(1) extra space;\n" +
	"- it works for any element type with generics;\n" +
	"- a copy first keeps the original intact.\n\n" +
	"```go\n" +
	"package main\n\n" +
	"import (\n\t\"fmt\"\n\t\"slices\"\n\t\"strings\"\n)\n\n" +
	"// Reverse reverses s in place.\n" +
	"func Reverse[S ~[]E, E any](s S) {\n" +
	"\tfor i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {\n" +
	"\t\ts[i], s[j] = s[j], s[i]\n" +
	"\t}\n}\n\n" +
	"// Reversed returns a reversed copy of s, leaving s as it was.\n" +
	"func Reversed[S ~[]E, E any](s S) S {\n" +
	"\tout := slices.Clone(s)\n" +
	"\tReverse(out)\n" +
	"\treturn out\n}\n\n" +
	"// ReverseWords reverses the order of the words of a sentence.\n" +
	"func ReverseWords(sentence string) string {\n" +
	"\twords := strings.Fields(sentence)\n" +
	"\tReverse(words)\n" +
	"\treturn strings.Join(words, \" \")\n}\n\n" +
	"func main() {\n" +
	"\tnums := []int{1, 2, 3, 4, 5}\n" +
	"\tReverse(nums)\n" +
	"\tfmt.Println(nums) // [5 4 3 2 1]\n\n" +
	"\tnames := []string{\"ada\", \"grace\", \"linus\"}\n" +
	"\tfmt.Println(Reversed(names), names) // [linus grace ada] [ada grace linus]\n\n" +
	"\tfmt.Println(ReverseWords(\"the quick brown fox\")) // fox brown quick the\n\n" +
	"\t// The standard library's version, for comparison.\n" +
	"\tletters := []rune(\"hello\")\n" +
	"\tslices.Reverse(letters)\n" +
	"\tfmt.Println(string(letters)) // olleh\n}\n" +
	"```\n\n" +
	"Reversing a string by `[]rune` keeps multi-byte characters whole, but not\n" +
	"combining sequences (an accent typed as two code points): for those, walk\n" +
	"grapheme clusters with a package such as `github.com/rivo/uniseg`.\n"
