package engine

import (
	"strings"
	"testing"

	"mistralbot/bots"
)

// TestTrimRoundsKeepsCallsWithTheirResults: whatever the budget, no kept
// assistant message with tool_calls lacks one of its results, no tool
// result is kept without its call, and the system message, the question
// and the last round stay.
func TestTrimRoundsKeepsCallsWithTheirResults(t *testing.T) {
	big := strings.Repeat("x", 400)
	msgs := []bots.ModelMessage{
		{Role: bots.RoleSystem, Content: "sys"},
		{Role: bots.RoleUser, Content: "old " + big},
		{Role: bots.RoleAssistant, Content: "old answer " + big},
		{Role: bots.RoleUser, Content: "question"},
		{Role: bots.RoleAssistant, ToolCalls: []bots.ToolCall{{ID: "a"}, {ID: "b"}}},
		{Role: bots.RoleTool, ToolCallID: "a", Content: big},
		{Role: bots.RoleTool, ToolCallID: "b", Content: big},
		{Role: bots.RoleAssistant, Content: "more", ToolCalls: []bots.ToolCall{{ID: "c"}}},
		{Role: bots.RoleTool, ToolCallID: "c", Content: big},
	}
	est := func(m bots.ModelMessage) int { return len(m.Content) + 1 }
	for budget := 0; budget <= 3000; budget += 50 {
		out, dropped := trimRounds(msgs, budget, est)
		if len(out)+dropped != len(msgs) {
			t.Fatalf("budget %d: %d kept + %d dropped != %d", budget, len(out), dropped, len(msgs))
		}
		if out[0].Content != "sys" || !hasContent(out, "question") || out[len(out)-1].ToolCallID != "c" || out[len(out)-2].Content != "more" {
			t.Fatalf("budget %d: lost the system message, the question or the last round: %+v", budget, out)
		}
		for i, m := range out {
			if m.Role == bots.RoleAssistant && len(m.ToolCalls) > 0 {
				for k := range m.ToolCalls {
					if i+1+k >= len(out) || out[i+1+k].Role != bots.RoleTool || out[i+1+k].ToolCallID != m.ToolCalls[k].ID {
						t.Fatalf("budget %d: call %s separated from its result: %+v", budget, m.ToolCalls[k].ID, out)
					}
				}
			}
			if m.Role == bots.RoleTool {
				j := i - 1
				for j > 0 && out[j].Role == bots.RoleTool {
					j--
				}
				if out[j].Role != bots.RoleAssistant || len(out[j].ToolCalls) == 0 {
					t.Fatalf("budget %d: result %s kept without its call", budget, m.ToolCallID)
				}
			}
		}
		if budget >= 3000 && dropped != 0 {
			t.Fatalf("budget %d: dropped %d from a prompt that fits", budget, dropped)
		}
	}
	// The oldest go first: a budget that fits all but the old exchange
	// drops exactly it.
	out, dropped := trimRounds(msgs, 1300, est)
	if dropped != 2 || hasContent(out, "old answer "+big) {
		t.Fatalf("dropped %d, kept %d", dropped, len(out))
	}
}

func hasContent(msgs []bots.ModelMessage, c string) bool {
	for _, m := range msgs {
		if m.Content == c {
			return true
		}
	}
	return false
}
