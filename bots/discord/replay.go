package discord

import (
	"context"
	"errors"
	"net/http"

	discordgo "github.com/bwmarrin/discordgo"
)

// interactionPrefix prefixes an interaction id in the Engine's delivery
// claims.
const interactionPrefix = "discord:interaction:"

// errReplayed marks an interaction whose id was answered before.
var errReplayed = errors.New("discord: interaction already answered (replayed)")

// replayed claims the interaction's id through the Engine's delivery claim
// (the one events go through) and reports whether it was claimed before.
// Over the HTTP endpoint a captured, validly signed interaction can be
// replayed within the timestamp window: without this it would be answered
// again (a second model call and post through the 15-minute interaction
// token; a replayed /usage would hand the victim's usage to the replayer in
// the HTTP reply). Each interaction has its own snowflake id ("id:
// snowflake, ID of the interaction",
// https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object),
// and Discord sends it once: a second delivery is a replay. PINGs are not
// claimed: answering one again reveals nothing. Application commands are
// not claimed here either: their id goes to Engine.Command as
// bots.Command.Delivery (interactions.go's command), claimed in the same
// store round trip as the command's settings and limits (issue 12), and a
// replay comes back as Response.Replayed, answered like one refused here.
func (a *Adapter) replayed(ctx context.Context, in *discordgo.Interaction) bool {
	if in.Type == discordgo.InteractionPing || a.opts.Engine == nil {
		return false
	}
	if a.opts.Engine.ClaimDelivery(ctx, interactionPrefix+in.ID) {
		return false
	}
	a.log.Info("discord: replayed interaction ignored", "interaction", in.ID, "type", int(in.Type))
	return true
}

// alreadyAcknowledged answers a replayed HTTP interaction the way Discord's
// API answers a second callback to an interaction: 400 with JSON error
// code 40060, "Interaction has already been acknowledged"
// (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes).
// Nothing is posted and the model is not called.
func alreadyAcknowledged(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write([]byte(`{"message": "Interaction has already been acknowledged.", "code": 40060}` + "\n"))
}
