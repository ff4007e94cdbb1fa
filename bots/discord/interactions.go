package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	discordgo "github.com/bwmarrin/discordgo"

	"mistralbot/bots"
	"mistralbot/bots/stream"
	"mistralbot/internal/retry"
)

// respondFunc sends the initial response to an interaction: over REST for
// gateway interactions, as the HTTP reply for the interactions endpoint.
type respondFunc func(ctx context.Context, resp *discordgo.InteractionResponse) error

// errMalformed marks an interaction payload that could not be read.
var errMalformed = errors.New("discord: malformed interaction")

// interactionChannel is the "channel" object of an interaction, which
// discordgo's Interaction does not decode: it tells threads apart.
type interactionChannel struct {
	Channel *struct {
		ID       string                `json:"id"`
		Type     discordgo.ChannelType `json:"type"`
		ParentID string                `json:"parent_id"`
		GuildID  string                `json:"guild_id"`
	} `json:"channel"`
}

// onGatewayInteraction answers an INTERACTION_CREATE from the gateway.
func (a *Adapter) onGatewayInteraction(ctx context.Context, raw []byte) {
	err := a.handleInteraction(ctx, raw, nil)
	if err != nil && !errors.Is(err, errMalformed) && !errors.Is(err, errReplayed) {
		a.log.Error("discord: interaction not answered", "err", err)
	}
}

// decodeInteraction reads an interaction and its channel. When only the
// envelope can be read (id, token, type), it returns that with readable
// false, so the asker still gets an answer instead of "interaction failed".
func decodeInteraction(raw []byte) (in *discordgo.Interaction, info channelInfo, readable bool, err error) {
	var env struct {
		ID        string                    `json:"id"`
		AppID     string                    `json:"application_id"`
		Type      discordgo.InteractionType `json:"type"`
		Token     string                    `json:"token"`
		ChannelID string                    `json:"channel_id"`
		GuildID   string                    `json:"guild_id"`
		interactionChannel
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, channelInfo{}, false, fmt.Errorf("%w: %v", errMalformed, err)
	}
	if env.ID == "" || env.Token == "" || env.Type == 0 {
		return nil, channelInfo{}, false, fmt.Errorf("%w: no id, token or type", errMalformed)
	}
	info = channelInfo{id: env.ChannelID, guild: env.GuildID}
	if c := env.Channel; c != nil && c.ID == env.ChannelID {
		info = channelInfo{id: env.ChannelID, kind: c.Type, guild: env.GuildID, parent: c.ParentID, resolved: true}
	}
	if env.GuildID == "" {
		info.kind = discordgo.ChannelTypeDM
	}
	var full discordgo.Interaction
	if err := json.Unmarshal(raw, &full); err != nil {
		return &discordgo.Interaction{ID: env.ID, AppID: env.AppID, Type: env.Type, Token: env.Token,
			ChannelID: env.ChannelID, GuildID: env.GuildID}, info, false, nil
	}
	return &full, info, true, nil
}

// handleInteraction answers one interaction. httpRespond sends the initial
// response of an interaction that came over HTTP; for gateway interactions
// it is nil and the callback goes over REST.
func (a *Adapter) handleInteraction(ctx context.Context, raw []byte, httpRespond respondFunc) error {
	in, info, readable, err := decodeInteraction(raw)
	if err != nil {
		a.log.Warn("discord: malformed interaction ignored", "err", err, "bytes", len(raw))
		return err
	}
	// An application command's id is claimed by Engine.Command, beside
	// its settings and limits (one store round trip, issue 12; command);
	// every other interaction's here.
	if _, isCommand := in.Data.(discordgo.ApplicationCommandInteractionData); !(readable && isCommand &&
		in.Type == discordgo.InteractionApplicationCommand && a.opts.Engine != nil) && a.replayed(ctx, in) {
		return errReplayed
	}
	send := httpRespond
	if send == nil {
		send = func(ctx context.Context, resp *discordgo.InteractionResponse) error {
			return a.rest.respond(ctx, in.ID, in.Token, resp)
		}
	}
	received := a.now()
	switch {
	case in.Type == discordgo.InteractionPing:
		return send(ctx, &discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong})
	case !readable && in.Type != discordgo.InteractionApplicationCommandAutocomplete:
		a.log.Warn("discord: unreadable interaction", "type", int(in.Type))
		return send(ctx, ephemeral("This interaction could not be read."))
	}
	switch in.Type {
	case discordgo.InteractionPing:
		return send(ctx, &discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong})
	case discordgo.InteractionApplicationCommandAutocomplete:
		data, _ := in.Data.(discordgo.ApplicationCommandInteractionData)
		return send(ctx, &discordgo.InteractionResponse{
			Type: discordgo.InteractionApplicationCommandAutocompleteResult,
			Data: &discordgo.InteractionResponseData{Choices: languageChoices(focusedValue(data.Options), data.Name == "lang")},
		})
	case discordgo.InteractionApplicationCommand:
		data, ok := in.Data.(discordgo.ApplicationCommandInteractionData)
		if !ok {
			return send(ctx, ephemeral("This command could not be read."))
		}
		return a.command(ctx, in, info, data, send, received)
	case discordgo.InteractionMessageComponent:
		// Clicks may wait on the store: answered within Discord's 3 s
		// either way (intime.go).
		return a.inTime(ctx, in, send, received, func(send respondFunc) error {
			return a.onComponent(ctx, in, info, send) // stop.go
		})
	case discordgo.InteractionModalSubmit:
		return a.inTime(ctx, in, send, received, func(send respondFunc) error {
			return a.onModalSubmit(ctx, in, info, send) // reason.go
		})
	default:
		a.log.Warn("discord: unsupported interaction type", "type", int(in.Type))
		return send(ctx, ephemeral("This interaction is not supported."))
	}
}

// ephemeral is an immediate response only the asker sees.
func ephemeral(text string) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: text, Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: noMentions()}}
}

// command runs an application command: answers that need no model come
// back at once, privately; model answers are deferred ("thinking..."),
// then stream into the original response.
func (a *Adapter) command(ctx context.Context, in *discordgo.Interaction, info channelInfo,
	data discordgo.ApplicationCommandInteractionData, send respondFunc, received time.Time) error {
	if a.opts.Engine == nil {
		a.log.Error("discord: command received but no Engine is configured")
		return send(ctx, ephemeral("The bot is not ready yet; try again in a moment."))
	}
	// Discord wants the initial response within 3 s; leave room for it.
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	cmd := a.commandOf(cctx, in, info, data)
	cmd.Delivery = interactionPrefix + in.ID // replay.go
	resp := a.opts.Engine.Command(cctx, a, cmd)
	cancel()
	if resp.Replayed {
		a.log.Info("discord: replayed interaction ignored", "interaction", in.ID, "type", int(in.Type))
		return errReplayed
	}
	if resp.Summary != nil {
		return a.summaryCommand(ctx, in, resp.Summary, send, received)
	}
	if resp.Ask == nil {
		parts := stream.SplitMarkdown(resp.Text, maxContent, nil)
		if len(parts) == 0 || strings.TrimSpace(parts[0]) == "" {
			parts = []string{"…"}
		}
		if err := send(ctx, ephemeral(parts[0])); err != nil {
			return err
		}
		for _, p := range parts[1:] {
			if err := a.followup(ctx, in, p, received); err != nil {
				return err
			}
		}
		return nil
	}
	if err := send(ctx, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}); err != nil {
		return err
	}
	sink := a.newInteractionSink(in, received)
	out, id := a.interactionControls(sink, cmd.Msg) // commandcontrols.go
	r := a.newReply(ctx, out, sink, in.ChannelID, cmd.Msg, false)
	r.replyID, r.ctl = id, sink.ch.ctl
	r.where.in = sink
	return a.opts.Engine.Answer(ctx, resp.Ask, r)
}

// followup posts an ephemeral follow-up message. Over HTTP Discord may not
// have read the initial response yet: an unknown webhook right after it is
// retried briefly.
func (a *Adapter) followup(ctx context.Context, in *discordgo.Interaction, text string, received time.Time) error {
	p := retry.Policy{Tries: webhookTries, Backoff: webhookRetry, Retry: func(err error) (bool, time.Duration) {
		if bots.ClassOf(err) == bots.Transient {
			// A 429 or a 5xx: the follow-up was not made.
			return true, retryAfter(err)
		}
		return codeOf(err) == codeUnknownWebhook && a.now().Sub(received) <= 10*time.Second, 0
	}}
	return p.Do(ctx, func(ctx context.Context) error {
		_, err := a.rest.followup(ctx, "follow up interaction in "+in.ChannelID, in.AppID, in.Token, text, flagEphemeral, nil)
		return err
	})
}

// webhookTries and webhookRetry bound the retries of an interaction's
// webhook calls: Discord may not have read the deferred response yet (an
// unknown webhook for a few seconds), or answer 429/5xx; the user is
// waiting, so a server-given delay is capped at 5 s.
const webhookTries = 4

var webhookRetry = retry.Backoff{Base: 200 * time.Millisecond, MaxAfter: 5 * time.Second}

// commandOf turns an application command into a bots.Command.
func (a *Adapter) commandOf(ctx context.Context, in *discordgo.Interaction, info channelInfo,
	data discordgo.ApplicationCommandInteractionData) bots.Command {
	cmd := bots.Command{Name: data.Name, Options: map[string]string{"prefix": "/"}}
	var atts []*discordgo.MessageAttachment
	if data.CommandType == discordgo.MessageApplicationCommand && data.Name == SummarizeThreadCommand {
		return a.summarizeThreadOf(in, info, data)
	}
	if data.CommandType == discordgo.MessageApplicationCommand {
		cmd.Name = "explain"
		if data.Resolved != nil {
			if m := data.Resolved.Messages[data.TargetID]; m != nil {
				cmd.Text = cleanText(m, where{botID: a.me()})
				atts = m.Attachments
			}
		}
	}
	for _, o := range data.Options {
		if o == nil {
			continue
		}
		v := optionString(o)
		switch o.Name {
		case "question", "code", "text", "span", "schedule":
			cmd.Text = v
		case "language", "target", "action":
			cmd.Options[o.Name] = v
		case "file":
			if data.Resolved != nil && data.Resolved.Attachments[v] != nil {
				atts = append(atts, data.Resolved.Attachments[v])
			}
		}
	}
	msg := a.interactionMessage(in, info)
	msg.Text = cmd.Text
	msg.Attachments = a.attachments(ctx, atts)
	cmd.Msg = msg
	return cmd
}

// interactionMessage says who ran an interaction and where.
func (a *Adapter) interactionMessage(in *discordgo.Interaction, info channelInfo) bots.Message {
	user := in.User
	if in.Member != nil && in.Member.User != nil {
		user = in.Member.User
	}
	msg := bots.Message{
		Key:             bots.ConversationKey{Platform: bots.Discord, Team: in.GuildID, Channel: in.ChannelID},
		ID:              in.ID,
		SettingsChannel: info.settingsChannel(),
		Locale:          string(in.Locale),
		DM:              in.GuildID == "",
		Time:            a.now(),
	}
	if user != nil {
		msg.UserID, msg.UserName = user.ID, displayName(in.Member, user)
	}
	if info.isThread() {
		msg.Key.Thread, msg.InThread = in.ChannelID, true
	}
	// /lang and /prompt change channel settings: Manage Channels (or
	// Administrator) in this channel, as Discord computed it; in a DM the
	// user owns the conversation.
	const admin = discordgo.PermissionManageChannels | discordgo.PermissionAdministrator
	msg.Admin = msg.DM || (in.Member != nil && in.Member.Permissions&admin != 0)
	return msg
}

// optionString renders an option value as text.
func optionString(o *discordgo.ApplicationCommandInteractionDataOption) string {
	switch v := o.Value.(type) {
	case string:
		return v
	case nil:
		return ""
	case float64:
		return fmt.Sprint(v)
	case bool:
		return fmt.Sprint(v)
	default:
		return ""
	}
}

// focusedValue returns the text typed so far in the focused option.
func focusedValue(opts []*discordgo.ApplicationCommandInteractionDataOption) string {
	for _, o := range opts {
		if o != nil && o.Focused {
			return optionString(o)
		}
	}
	return ""
}
