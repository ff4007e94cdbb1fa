package fakeslack

import (
	"context"
	"slices"
	"strings"
	"testing"

	slackgo "github.com/slack-go/slack"
)

func publish(ctx context.Context, api *slackgo.Client, user string, blocks ...slackgo.Block) error {
	_, err := api.PublishViewContext(ctx, slackgo.PublishViewContextRequest{UserID: user,
		View: slackgo.HomeTabViewRequest{Type: slackgo.VTHomeTab, Blocks: slackgo.Blocks{BlockSet: blocks}}})
	return err
}

func TestViewsPublishEnforcesBlockKitLimits(t *testing.T) {
	s, api := setup(t, Options{Strict: true})
	ctx := context.Background()
	header := func(n int) slackgo.Block {
		return slackgo.NewHeaderBlock(slackgo.NewTextBlockObject(slackgo.PlainTextType, strings.Repeat("h", n), false, false))
	}
	section := func(n int) slackgo.Block {
		return slackgo.NewSectionBlock(slackgo.NewTextBlockObject(slackgo.MarkdownType, strings.Repeat("s", n), false, false), nil, nil)
	}
	if err := publish(ctx, api, "U0ALICE", header(150), section(3000), slackgo.NewDividerBlock()); err != nil {
		t.Fatalf("a view at the limits: %v", err)
	}
	if v := s.HomeViews(); len(v) != 1 || v[0].User != "U0ALICE" || !strings.Contains(v[0].Text(), strings.Repeat("s", 3000)) {
		t.Fatalf("recorded %+v", v)
	}
	many := slices.Repeat([]slackgo.Block{slackgo.NewDividerBlock()}, 101)
	for name, c := range map[string]struct {
		user   string
		blocks []slackgo.Block
		want   string
	}{
		"long header":  {"U0ALICE", []slackgo.Block{header(151)}, "invalid_blocks"},
		"long section": {"U0ALICE", []slackgo.Block{section(3001)}, "invalid_blocks"},
		"101 blocks":   {"U0ALICE", many, "invalid_arguments"},
		"unknown user": {"U0GHOST", []slackgo.Block{section(1)}, "user_not_found"},
		"no blocks":    {"U0ALICE", nil, "invalid_arguments"},
	} {
		if err := publish(ctx, api, c.user, c.blocks...); code(err) != c.want {
			t.Errorf("%s: err %v, want %s", name, err, c.want)
		}
	}
	if n := len(s.HomeViews()); n != 1 {
		t.Errorf("%d views recorded, want the valid one only", n)
	}
}

// An agent_view app's setSuggestedPrompts with thread_ts is answered ok
// and sets nothing; without thread_ts the prompts are set. An
// assistant_view app may send either.
func TestSuggestedPromptsThreadTSByView(t *testing.T) {
	for _, agent := range []bool{true, false} {
		s, api := setup(t, Options{Strict: true, AgentView: agent})
		ctx := context.Background()
		p := slackgo.AssistantThreadsSetSuggestedPromptsParameters{ChannelID: "D0ALICE", ThreadTS: "1760000000.000100"}
		p.AddPrompt("t", "m")
		if err := api.SetAssistantThreadsSuggestedPromptsContext(ctx, p); err != nil {
			t.Fatal(err)
		}
		p.ThreadTS = ""
		if err := api.SetAssistantThreadsSuggestedPromptsContext(ctx, p); err != nil {
			t.Fatal(err)
		}
		want := 2
		if agent {
			want = 1
		}
		if got := len(s.Prompts()); got != want || (agent && s.SilentFailures() != 1) {
			t.Errorf("agent=%v: %d prompt lists, %d silent failures; want %d", agent, got, s.SilentFailures(), want)
		}
		for i := 0; i < 4; i++ {
			p.AddPrompt("t", "m")
		}
		if err := api.SetAssistantThreadsSuggestedPromptsContext(ctx, p); code(err) != "invalid_arguments" {
			t.Errorf("5 prompts: %v, want invalid_arguments (up to four)", err)
		}
	}
}

func TestSetStatusRecordsLoadingMessages(t *testing.T) {
	s, api := setup(t, Options{Strict: true})
	err := api.SetAssistantThreadsStatusContext(context.Background(), slackgo.AssistantThreadsSetStatusParameters{
		ChannelID: "C1", ThreadTS: "1760000000.000100", Status: "thinking", LoadingMessages: []string{"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if st := s.Statuses(); len(st) != 1 || !slices.Equal(st[0].LoadingMessages, []string{"a", "b"}) {
		t.Errorf("statuses %+v", st)
	}
	err = api.SetAssistantThreadsStatusContext(context.Background(), slackgo.AssistantThreadsSetStatusParameters{
		ChannelID: "C1", ThreadTS: "1760000000.000100", Status: "x", LoadingMessages: slices.Repeat([]string{"m"}, 11)})
	if code(err) != "invalid_arguments" {
		t.Errorf("11 loading messages: %v, want invalid_arguments (at most 10)", err)
	}
}
