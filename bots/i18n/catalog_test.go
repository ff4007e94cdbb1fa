package i18n

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// sampleArgs gives each key arguments of the documented types. Strings and
// small integers are distinctive so the test can find them in the output.
func sampleArgs() map[Key][]any {
	return map[Key][]any{
		Help:                  {"/zz-"},
		ErrModelNotFound:      {"vendor/model-x9"},
		CutOff:                {"Reason sentence Q7."},
		HistoryTrimmed:        {17},
		FeedbackLine:          {"vendor/model-q3", "Langname", int64(41), int64(29)},
		FeedbackReasonLine:    {"vendor/model-q4", "Too vague Q5."},
		MessageTooLong:        {731},
		ContextTruncated:      {617},
		LimitUserRate:         {11, "14:05 UTC"},
		LimitUserPending:      {3},
		LimitChannelTokens:    {int64(123), "00:00 UTC"},
		LimitDailyUSD:         {"00:00 UTC"},
		LangCurrent:           {"Langname"},
		LangSet:               {"Langname"},
		LangInvalid:           {"klingonish", "en, fr, de"},
		PromptCurrent:         {"Be terse, Q8."},
		PromptClearedToConfig: {"Answer as the team's SRE."},
		PromptTooLong:         {400},
		UsageReport:           {int64(101), int64(102), 0.5, int64(104), int64(105), 1.5, int64(107), int64(108), 2.5, int64(110), int64(111), 3.5},
		TranslateUsage:        {"/zz-"},
		EmptyQuestion:         {"/zz-"},
		AttachmentTruncated:   {"main_q9.go", 512},
		QuestionPosted:        {"Ada Q1", "what is Q2?"},
		DeliveryFailedIn:      {"#chan-Q3"},
		HomeSettings:          {"Langname", "vendor/model-x9", "Be terse, Q8."},
		HomeViewing:           {"#chan-Q3"},
		Undelivered:           {"<#123>", "the thread was archived."},
		UndeliveredRefused:    {"50035"},
		FileTooBig:            {"shot_q3.png"},
		FileUnsupported:       {"a_q4.exe"},
		FileUnreadable:        {"b_q5.pdf"},
		TooManyImages:         {4},
		FileEncrypted:         {"c_q6.pdf"},
		FileNoText:            {"d_q7.pdf"},
		ToolFailed:            {"srv__tool_q1"},
		ToolDenied:            {"srv__tool_q2"},
		ToolExpired:           {"srv__tool_q3"},
		ToolSources:           {"https://q4.example/"},
		ToolRunning:           {"srv__tool_q5"},
		ToolWaiting:           {"srv__tool_q6"},
		ApprovalPrompt:        {"srv__tool_q7", `{"q":"q8"}`},
		ApprovalApproved:      {"srv__tool_q9", "Ada Q10"},
		ApprovalDenied:        {"srv__tool_q11", "Ada Q12"},
		ApprovalExpired:       {"srv__tool_q13"},
		ApprovalWithdrawn:     {"srv__tool_q14"},
		SummaryUsage:          {"/", "soon"},
		SummaryWorking:        {500, 3, 200, "0.01"},
		SummaryConfirm:        {50, 48, 300, "0.30"},
		SummaryHeader:         {500},
		SummaryPartial:        {500},
		SummaryFailed:         {"the model is busy"},
		DigestSet:             {"09:00", "Europe/Paris"},
		DigestUsage:           {"/"},
		DigestHeader:          {"2026-12-01"},
	}
}

func TestEveryKeyInEveryCatalog(t *testing.T) {
	t.Parallel()
	for _, lang := range Supported() {
		for _, k := range Keys() {
			if strings.TrimSpace(text(lang, k)) == "" {
				t.Errorf("catalog %s lacks key %q", lang, k)
			}
		}
	}
	if len(Keys()) < 48 {
		t.Errorf("Keys() lists %d keys, want every key", len(Keys()))
	}
	seen := map[Key]bool{}
	for _, k := range Keys() {
		if seen[k] {
			t.Errorf("Keys() lists %q twice", k)
		}
		seen[k] = true
	}
}

// verb is one formatting directive: the argument it reads and its verb.
type verb struct {
	arg  int
	verb rune
}

var directive = regexp.MustCompile(`%(?:\[(\d+)\])?[-+# 0]*(?:\d+)?(?:\.\d+)?(?:\[(\d+)\])?([a-zA-Z%])`)

// verbs parses the directives of a format string, resolving implicit
// argument numbers as fmt does.
func verbs(format string) []verb {
	var out []verb
	next := 1
	for _, m := range directive.FindAllStringSubmatch(format, -1) {
		if m[3] == "%" {
			continue
		}
		arg := next
		for _, idx := range []string{m[1], m[2]} {
			if idx != "" {
				arg, _ = strconv.Atoi(idx)
			}
		}
		next = arg + 1
		out = append(out, verb{arg, rune(m[3][0])})
	}
	slices.SortFunc(out, func(a, b verb) int { return a.arg*256 + int(a.verb) - b.arg*256 - int(b.verb) })
	return slices.Compact(out)
}

func TestFormatVerbsMatchAcrossLanguages(t *testing.T) {
	t.Parallel()
	args := sampleArgs()
	for _, k := range Keys() {
		want := verbs(textEN(k))
		if len(want) != len(args[k]) {
			t.Errorf("%s: English uses %d arguments, the key documents %d", k, len(want), len(args[k]))
		}
		for _, lang := range Supported()[1:] {
			if got := verbs(text(lang, k)); !slices.Equal(got, want) {
				t.Errorf("%s in %s: verbs %v, English has %v", k, lang, got, want)
			}
		}
	}
}

// Rendering every key in every language with arguments of the documented
// types gives no fmt error marks, and shows every argument.
func TestRenderEveryKey(t *testing.T) {
	t.Parallel()
	args := sampleArgs()
	for _, lang := range Supported() {
		for _, k := range Keys() {
			out := T(lang, k, args[k]...)
			if strings.Contains(out, "%!") || strings.Contains(out, "%") {
				t.Errorf("%s %s: bad formatting: %q", lang, k, out)
			}
			for _, a := range args[k] {
				var want string
				switch v := a.(type) {
				case string:
					want = v
				case int, int64:
					want = fmt.Sprint(v)
				default:
					continue
				}
				if !strings.Contains(out, want) {
					t.Errorf("%s %s: output lacks argument %q: %q", lang, k, want, out)
				}
			}
			if !utf8.ValidString(out) {
				t.Errorf("%s %s: invalid UTF-8", lang, k)
			}
		}
	}
}

func TestNumbersFollowTheLocale(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"en": "1,234,567 tokens",
		"de": "1.234.567 Tokens",
		"it": "1.234.567 token",
		"es": "1.234.567 tokens",
	}
	for lang, want := range tests {
		if got := T(lang, LimitChannelTokens, int64(1234567), "00:00 UTC"); !strings.Contains(got, want) {
			t.Errorf("%s: %q lacks %q", lang, got, want)
		}
	}
	fr := T("fr", LimitChannelTokens, int64(1234567), "00:00 UTC")
	if !regexp.MustCompile(`1[\x{00a0}\x{202f} ]234[\x{00a0}\x{202f} ]567 tokens`).MatchString(fr) {
		t.Errorf("fr: %q lacks the grouped number", fr)
	}
	if got := T("fr", UsageReport, sampleArgs()[UsageReport]...); !strings.Contains(got, "0,5000 $") {
		t.Errorf("fr usage: %q lacks a decimal comma", got)
	}
	if got := T("en", UsageReport, sampleArgs()[UsageReport]...); !strings.Contains(got, "$0.5000") {
		t.Errorf("en usage: %q lacks $0.5000", got)
	}
}

// The translations are translations: no text is left in English.
func TestNoTextLeftInEnglish(t *testing.T) {
	t.Parallel()
	for _, lang := range Supported()[1:] {
		for _, k := range Keys() {
			if text(lang, k) == textEN(k) {
				t.Errorf("%s %s is the English text", lang, k)
			}
		}
	}
}

// stripCode removes code spans and fences, where typography rules do not
// apply.
func stripCode(s string) string {
	s = regexp.MustCompile("(?s)```.*?```").ReplaceAllString(s, "CODE")
	return regexp.MustCompile("`[^`]*`").ReplaceAllString(s, "CODE")
}

// French puts a space before ? ! : ; and the others do not; Spanish opens
// its questions and exclamations.
func TestTypography(t *testing.T) {
	t.Parallel()
	for _, lang := range Supported() {
		for _, k := range Keys() {
			s := stripCode(text(lang, k))
			r := []rune(s)
			for i, c := range r {
				if !strings.ContainsRune("?!:;", c) || i == 0 {
					continue
				}
				spaced := r[i-1] == ' ' || r[i-1] == '\u00a0'
				if lang == "fr" && !spaced {
					t.Errorf("fr %s: no space before %q in %q", k, c, s)
				}
				if lang != "fr" && spaced {
					t.Errorf("%s %s: space before %q in %q", lang, k, c, s)
				}
			}
			if lang == "es" {
				if strings.Count(s, "?") != strings.Count(s, "¿") || strings.Count(s, "!") != strings.Count(s, "¡") {
					t.Errorf("es %s: unbalanced ¿? or ¡! in %q", k, s)
				}
			}
			if strings.Contains(s, "...") {
				t.Errorf("%s %s: use … rather than ...", lang, k)
			}
		}
	}
}

func TestTFallsBack(t *testing.T) {
	t.Parallel()
	if got, want := T("pt-BR", Thinking), textEN(Thinking); got != want {
		t.Errorf("T(pt-BR) = %q, want English %q", got, want)
	}
	if got, want := T("fr-CA", Thinking), textFR(Thinking); got != want {
		t.Errorf("T(fr-CA) = %q, want French %q", got, want)
	}
	if got := T("auto", Thinking); got != textEN(Thinking) {
		t.Errorf("T(auto) = %q, want English", got)
	}
	if got := T("de", Key("no_such_key")); got != "no_such_key" {
		t.Errorf("unknown key renders %q, want the key", got)
	}
	if got := T("it", Help, "/"); !strings.Contains(got, "`/translate <lingua> <testo>`") {
		t.Errorf("Italian help with prefix /: %q", got)
	}
}
