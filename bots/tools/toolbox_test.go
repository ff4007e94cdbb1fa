package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
	"unicode/utf8"
)

// fakeProvider is an in-memory Provider: the Toolbox does no I/O itself,
// so its tests need no network edge (the MCP client's tests use real
// servers).
type fakeProvider struct {
	name  string
	tools []Tool
	call  func(ctx context.Context, t Tool, args json.RawMessage) (Output, error)
	runs  atomic.Int64
}

func (p *fakeProvider) Name() string  { return p.name }
func (p *fakeProvider) Tools() []Tool { return slices.Clone(p.tools) }
func (p *fakeProvider) Call(ctx context.Context, t Tool, args json.RawMessage, _ string) (Output, error) {
	p.runs.Add(1)
	return p.call(ctx, t, args)
}

var _ Provider = (*fakeProvider)(nil)

func newBox(t *testing.T, opts Options) *Toolbox {
	t.Helper()
	b, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func echo(name string) *fakeProvider {
	return &fakeProvider{name: name,
		tools: []Tool{{Name: name + "__read", Remote: "read", ReadOnly: true}, {Name: name + "__write", Remote: "write"}},
		call: func(_ context.Context, t Tool, args json.RawMessage) (Output, error) {
			return Output{Text: t.Remote + " " + string(args)}, nil
		}}
}

func names(ts []Tool) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name)
	}
	return out
}

func TestToolsAreFilteredByTheChannelAllowList(t *testing.T) {
	t.Parallel()
	b := newBox(t, Options{Providers: []Provider{echo("gh"), echo("db")}, Channels: map[string][]string{
		"slack:C1":   {"gh"},
		"slack:C2":   {"db__read", "gh__write"},
		"discord:D3": {},
	}})
	for _, tc := range []struct {
		channel string
		want    []string
	}{
		{"slack:C0", []string{"db__read", "db__write", "gh__read", "gh__write"}},
		{"slack:C1", []string{"gh__read", "gh__write"}},
		{"slack:C2", []string{"db__read", "gh__write"}},
		{"discord:D3", nil},
	} {
		if got := names(b.Tools(tc.channel)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: tools %v, want %v", tc.channel, got, tc.want)
		}
	}
	if _, fail := b.Resolve("slack:C2", Call{Name: "gh__read"}); fail == nil || fail.Failure != FailureUnknown {
		t.Errorf("a tool the channel may not use resolved: %+v", fail)
	}
	r := b.Call(context.Background(), "discord:D3", Call{ID: "c1", Name: "gh__read", Arguments: json.RawMessage(`{}`)})
	if r.Failure != FailureUnknown {
		t.Errorf("call in a channel allowing no tool: %+v", r)
	}
}

func TestAClashingNameIsKeptByTheFirstProvider(t *testing.T) {
	t.Parallel()
	second := echo("gh")
	second.name = "other"
	bad := &fakeProvider{name: "bad", tools: []Tool{{Name: "has.dot"}, {Name: strings.Repeat("x", 65)}}}
	b := newBox(t, Options{Providers: []Provider{echo("gh"), second, bad}})
	got := b.Tools("")
	if want := []string{"gh__read", "gh__write"}; !slices.Equal(names(got), want) {
		t.Fatalf("tools %v, want %v", names(got), want)
	}
	for _, tool := range got {
		if tool.Provider != "gh" {
			t.Errorf("%s served by %q, want the first provider", tool.Name, tool.Provider)
		}
	}
	if _, err := New(Options{Providers: []Provider{echo("gh"), echo("gh")}}); err == nil {
		t.Error("two providers of one name were accepted")
	}
}

func TestApprovalPolicy(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		approval Approval
		readOnly bool
		want     bool
	}{
		{ApprovalAuto, true, false},
		{ApprovalAuto, false, true},
		{"", false, true},
		{ApprovalAlways, true, true},
		{ApprovalNever, false, false},
	} {
		if got := (Tool{Approval: tc.approval, ReadOnly: tc.readOnly}).NeedsApproval(); got != tc.want {
			t.Errorf("%q read-only=%v: needs approval %v, want %v", tc.approval, tc.readOnly, got, tc.want)
		}
	}
	for in, want := range map[string]Approval{"": ApprovalAuto, "auto": ApprovalAuto, " Always ": ApprovalAlways, "never": ApprovalNever} {
		if got, err := ParseApproval(in); err != nil || got != want {
			t.Errorf("ParseApproval(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseApproval("sometimes"); err == nil || !strings.Contains(err.Error(), "always, never or auto") {
		t.Errorf("ParseApproval(sometimes): %v", err)
	}
}

func TestExposedNamesAreValidAndDistinct(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ prefix, tool, want string }{
		{"gh", "search_issues", "gh__search_issues"},
		{"gh", "files/read", "gh__files_read"},
		{"", "fetch_url", "fetch_url"},
		{"my-srv", "é", "my-srv____"},
	} {
		if got := ExposedName(tc.prefix, tc.tool); got != tc.want {
			t.Errorf("ExposedName(%q, %q) = %q, want %q", tc.prefix, tc.tool, got, tc.want)
		}
	}
	long1 := ExposedName("server", strings.Repeat("a", 80)+"1")
	long2 := ExposedName("server", strings.Repeat("a", 80)+"2")
	if !ValidName(long1) || !ValidName(long2) || long1 == long2 || len(long1) != MaxNameLen {
		t.Errorf("long names %q and %q: want two distinct valid names of %d bytes", long1, long2, MaxNameLen)
	}
	if ExposedName("", "") != "_" || !ValidName(ExposedName("", "")) {
		t.Error("an empty name gave an invalid one")
	}
}

func TestCallKeyIsStableAndUnambiguous(t *testing.T) {
	t.Parallel()
	k := CallKey("answer-1", 2, "abcDEF123")
	if k != CallKey("answer-1", 2, "abcDEF123") {
		t.Fatal("the same call gave two keys")
	}
	others := []string{CallKey("answer-1", 3, "abcDEF123"), CallKey("answer-2", 2, "abcDEF123"),
		CallKey("answer-1", 2, "abcDEF124"), CallKey("answer-12", 2, "abcDEF123")}
	for _, o := range others {
		if o == k {
			t.Errorf("distinct calls share key %s", k)
		}
	}
	if CallKey("a1", 2, "x") == CallKey("a", 12, "x") {
		t.Error("key parts run into each other")
	}
}

func TestBadArgumentsAndUnknownToolsGiveOneResultAndANote(t *testing.T) {
	t.Parallel()
	p := echo("gh")
	b := newBox(t, Options{Providers: []Provider{p}})
	ctx := context.Background()
	for _, args := range []string{`[1,2]`, `{"a":`, `"text"`} {
		r := b.Call(ctx, "", Call{ID: "c", Key: "k" + args, Name: "gh__read", Arguments: json.RawMessage(args)})
		if r.Failure != FailureArguments || !strings.Contains(r.Text, "invalid arguments for gh__read") || r.Note == "" {
			t.Errorf("arguments %s: %+v", args, r)
		}
	}
	for _, args := range []string{``, `null`, ` {"q":1} `} {
		r := b.Call(ctx, "", Call{ID: "c", Name: "gh__read", Arguments: json.RawMessage(args)})
		if r.Failed() || !strings.HasPrefix(r.Text, "read {") {
			t.Errorf("arguments %q: %+v", args, r)
		}
	}
	if p.runs.Load() != 3 {
		t.Errorf("the tool ran %d times, want 3 (never for invalid arguments)", p.runs.Load())
	}
	r := b.Call(ctx, "", Call{ID: "c9", Name: "<!channel> *x*", Arguments: json.RawMessage(`{}`)})
	if r.Failure != FailureUnknown || r.CallID != "c9" || strings.ContainsAny(r.Note+r.Text+r.Tool, "<!*") {
		t.Errorf("unknown tool: %+v (the model's name must not reach the user or the model unescaped)", r)
	}
}

func TestFailuresBecomeResultTextOnce(t *testing.T) {
	t.Parallel()
	boom := &fakeProvider{name: "x", tools: []Tool{{Name: "x__err"}, {Name: "x__down"}, {Name: "x__panic"}, {Name: "x__proto"}},
		call: func(_ context.Context, t Tool, _ json.RawMessage) (Output, error) {
			switch t.Name {
			case "x__err":
				return Output{Text: "disk full", IsError: true}, nil
			case "x__down":
				return Output{}, fmt.Errorf("mcp x: %w: connection closed", ErrUnavailable)
			case "x__panic":
				panic("nil map")
			}
			return Output{}, errors.New("invalid params: q is required")
		}}
	b := newBox(t, Options{Providers: []Provider{boom}})
	for name, want := range map[string]struct {
		f    Failure
		text string
	}{
		"x__err":   {FailureTool, "disk full"},
		"x__down":  {FailureUnavailable, "connection closed"},
		"x__panic": {FailureInternal, "x__panic failed"},
		"x__proto": {FailureTool, "q is required"},
	} {
		r := b.Call(context.Background(), "", Call{ID: "id", Key: name, Name: name})
		if r.Failure != want.f || strings.Count(r.Text, want.text) != 1 || r.Note == "" || r.CallID != "id" {
			t.Errorf("%s: %+v, want failure %v with %q once and a note", name, r, want.f, want.text)
		}
		if strings.Contains(r.Note, "nil map") {
			t.Errorf("%s: the panic's detail reached the user: %q", name, r.Note)
		}
	}
}

func TestAHangingToolTimesOut(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		hang := &fakeProvider{name: "h", tools: []Tool{{Name: "h__hang"}},
			call: func(ctx context.Context, _ Tool, _ json.RawMessage) (Output, error) {
				<-ctx.Done()
				return Output{}, ctx.Err()
			}}
		b := newBox(t, Options{Providers: []Provider{hang}, Timeout: 5 * time.Second})
		start := time.Now()
		r := b.Call(context.Background(), "", Call{ID: "c", Name: "h__hang"})
		if r.Failure != FailureTimeout || time.Since(start) != 5*time.Second {
			t.Fatalf("after %v: %+v, want a timeout after 5s", time.Since(start), r)
		}
		if !strings.Contains(r.Note, "5s") {
			t.Errorf("note %q does not say the time limit", r.Note)
		}

		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if r := b.Call(ctx, "", Call{ID: "c", Name: "h__hang"}); r.Failure != FailureCanceled {
			t.Errorf("the answer's own deadline: %+v, want canceled", r)
		}
	})
}

func TestAHugeResultIsTruncated(t *testing.T) {
	t.Parallel()
	huge := &fakeProvider{name: "b", tools: []Tool{{Name: "b__huge"}},
		call: func(context.Context, Tool, json.RawMessage) (Output, error) {
			return Output{Text: strings.Repeat("é", 5<<20)}, nil // 10 MB
		}}
	b := newBox(t, Options{Providers: []Provider{huge}, MaxResultBytes: 1000})
	r := b.Call(context.Background(), "", Call{Name: "b__huge"})
	if r.Failed() || !r.Truncated || len(r.Text) > 1000 || !utf8.ValidString(r.Text) ||
		!strings.Contains(r.Text, "truncated: the tool returned 10485760 bytes") {
		t.Fatalf("%d bytes, truncated=%v, tail %q", len(r.Text), r.Truncated, r.Text[max(0, len(r.Text)-100):])
	}
}

func TestTruncateKeepsValidUTF8(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("a€😀", 200)
	for limit := 0; limit < len(text)+2; limit++ {
		got, cut := Truncate(text, limit)
		if len(got) > limit && cut || !utf8.ValidString(got) || cut != (len(text) > limit) {
			t.Fatalf("limit %d: %d bytes, cut=%v, valid=%v", limit, len(got), cut, utf8.ValidString(got))
		}
	}
}

func TestOneKeyRunsOnce(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		p := &fakeProvider{name: "s", tools: []Tool{{Name: "s__create"}},
			call: func(ctx context.Context, _ Tool, _ json.RawMessage) (Output, error) {
				<-release
				return Output{Text: "created #1"}, nil
			}}
		b := newBox(t, Options{Providers: []Provider{p}})
		c := Call{ID: "a", Key: CallKey("answer", 1, "a"), Name: "s__create"}
		var wg sync.WaitGroup
		results := make([]Result, 3)
		for i := range results {
			wg.Go(func() { results[i] = b.Call(context.Background(), "", c) })
		}
		synctest.Wait()
		close(release)
		wg.Wait()
		again := b.Call(context.Background(), "", c)
		if p.runs.Load() != 1 {
			t.Fatalf("the tool ran %d times for one key, want 1", p.runs.Load())
		}
		for _, r := range append(results, again) {
			if r.Text != "created #1" || r.Failed() {
				t.Errorf("result %+v, want the first run's", r)
			}
		}
		if b.Call(context.Background(), "", Call{ID: "b", Key: CallKey("answer", 1, "b"), Name: "s__create"}); p.runs.Load() != 2 {
			t.Errorf("a different key did not run the tool")
		}
	})
}

func TestDenyGivesTheModelAResult(t *testing.T) {
	t.Parallel()
	b := newBox(t, Options{Providers: []Provider{echo("gh")}})
	r := b.Deny(Call{ID: "c", Key: "k", Name: "gh__write"}, "the approval expired")
	if r.Failure != FailureDenied || !strings.Contains(r.Text, "the approval expired") || r.CallID != "c" || r.Note == "" {
		t.Fatalf("%+v", r)
	}
}

func TestAToolOfADownServerIsUnavailableNotUnknown(t *testing.T) {
	t.Parallel()
	down := &fakeProvider{name: "gh"} // no tools: the server is down
	b := newBox(t, Options{Providers: []Provider{down, echo("db")}, Channels: map[string][]string{"slack:C1": {"db"}}})
	if r := b.Call(context.Background(), "", Call{ID: "c", Name: "gh__create"}); r.Failure != FailureUnavailable || r.Note == "" {
		t.Errorf("%+v, want unavailable", r)
	}
	if r := b.Call(context.Background(), "slack:C1", Call{ID: "c", Name: "gh__create"}); r.Failure != FailureUnknown {
		t.Errorf("in a channel that may not use gh: %+v, want unknown", r)
	}
	if down.runs.Load() != 0 {
		t.Error("the down provider was called")
	}
}
