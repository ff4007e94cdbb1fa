package discord

import (
	"testing"
	"time"

	"mistralbot/bots/discord/discordtest"
	"mistralbot/llm/llmtest"
)

// The bot's roles come from the gateway state when GUILD_CREATE was
// processed, else from GET /guilds/{id}/members/{bot}: this is that second
// path (a mention racing the GUILD_CREATE; it made TestRoleMentionOfTheBot
// flaky while the fake sent members discordgo could not decode).
func TestRoleMentionOfTheBotThroughREST(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	bot := h.dc.Bot()
	guild := h.dc.Options().GuildID
	// GUILD_CREATE processed first, so it cannot put the member back later.
	h.waitFor("GUILD_CREATE in the state", 10*time.Second, func() bool {
		_, err := h.a.s.State.Member(guild, bot.ID)
		return err == nil
	})
	h.dc.SetMember(guild, discordtest.Member{User: &bot, Roles: []string{"777"}})
	// As if GUILD_CREATE had not been processed yet: no member in state.
	if m, err := h.a.s.State.Member(guild, bot.ID); err == nil {
		if err := h.a.s.State.MemberRemove(m); err != nil {
			t.Fatal(err)
		}
	}
	h.llm.Script(llmtest.Scenario{Reply: "Role answer."})
	q := h.dc.Post(h.dc.Options().GeneralID, discordtest.Post{Author: h.alice, Content: "<@&777> what is a goroutine?"})
	h.waitExact(q.ID, "Role answer.")
}
