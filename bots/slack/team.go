package slack

import (
	"context"
	"fmt"
)

// The workspace pin (slack.team_id). A bot token belongs to one workspace,
// but an app-level token (Socket Mode) and a Request URL receive the
// events of every workspace the app is installed in: a distributed app,
// or one installed in a second workspace for testing. The pin makes the
// adapter refuse to start with a token of another workspace (auth.test
// answers the token's team_id) and drop, with a warning, events and
// commands of other workspaces, which this token could not answer anyway.

// checkTeam returns the start-up error when the bot token's workspace is
// not the pinned one.
func (a *Adapter) checkTeam(tokenTeam string) error {
	if a.opts.TeamID == "" || tokenTeam == a.opts.TeamID {
		return nil
	}
	return fmt.Errorf("slack: slack.bot_token (SLACK_BOT_TOKEN) belongs to workspace %s, but slack.team_id pins %s: "+
		"use the Bot User OAuth Token of the app installed in %s, or correct slack.team_id", tokenTeam, a.opts.TeamID, a.opts.TeamID)
}

// pinned reports whether team (the installation an event or command is
// for) may be served, and logs the refusal when it may not. An unknown
// team ("") is served: Slack always sends one, and dropping on its
// absence would lose events for no safety.
func (a *Adapter) pinned(ctx context.Context, team, what, id string) bool {
	if a.opts.TeamID == "" || team == "" || team == a.opts.TeamID {
		return true
	}
	a.log.WarnContext(ctx, "slack: "+what+" from another workspace dropped (slack.team_id pins "+a.opts.TeamID+")",
		"team", team, "id", id)
	return false
}

// installation is the workspace of the installation an event was
// delivered for. In a Slack Connect channel the envelope's team_id is the
// workspace that created the channel, not the one the app is installed in;
// authorizations[0].team_id is the installation
// (https://github.com/slackapi/java-slack-sdk/issues/629,
// https://github.com/slackapi/bolt-js/issues/687; envelope fields:
// https://docs.slack.dev/reference/objects/event-object).
func (env eventsBody) installation() string {
	if len(env.Authorizations) > 0 && env.Authorizations[0].TeamID != "" {
		return env.Authorizations[0].TeamID
	}
	return env.TeamID
}
