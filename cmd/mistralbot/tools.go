package main

import (
	"context"
	"fmt"

	"mistralbot/bots/discord"
	"mistralbot/bots/slack"
	"mistralbot/config"
)

// runManifest prints the Slack app manifest.
func runManifest(path string, args []string, url string, e env) error {
	if len(args) != 1 || args[0] != "slack" {
		return usageError{"usage: mistralbot manifest slack [--url https://public.host]"}
	}
	cfg, err := loadConfig(path, e)
	if err != nil {
		return err
	}
	mode := cfg.Slack.Mode
	if url != "" {
		mode = config.SlackHTTP
	}
	if mode == config.SlackHTTP && url == "" {
		return usageError{"manifest for http mode needs --url, the public base URL that reaches server.listen"}
	}
	fmt.Fprint(e.stdout, slack.Manifest(slack.ManifestOptions{
		Mode:               mode,
		URL:                url,
		CommandPrefix:      cfg.Slack.CommandPrefix,
		TranslateReactions: cfg.Bot.TranslateReactions,
		AgentView:          cfg.Slack.AgentView,
	}))
	return nil
}

// runInvite prints the Discord invite URL.
func runInvite(path string, args []string, e env) error {
	if len(args) != 1 || args[0] != "discord" {
		return usageError{"usage: mistralbot invite discord"}
	}
	cfg, err := loadConfig(path, e)
	if err != nil {
		return err
	}
	if cfg.Discord.ApplicationID == "" {
		return usageError{"invite needs the application id: set DISCORD_APPLICATION_ID " +
			"(Developer Portal > your app > General Information > Application ID)"}
	}
	fmt.Fprintln(e.stdout, discord.InviteURL(cfg.Discord.ApplicationID))
	return nil
}

// runCommands registers the Discord application commands.
func runCommands(ctx context.Context, path string, args []string, guild string, e env) error {
	if len(args) != 1 || args[0] != "register" {
		return usageError{"usage: mistralbot commands register [--guild ID]"}
	}
	cfg, err := loadConfig(path, e)
	if err != nil {
		return err
	}
	if cfg.Discord.Token == "" {
		return usageError{"commands register needs DISCORD_BOT_TOKEN"}
	}
	if guild == "" {
		guild = cfg.Discord.GuildID
	}
	log := newLogger(cfg.Log, e.stderr, logOptions{redact: config.NewRedactor(cfg.Secrets()...)})
	if err := discord.RegisterCommands(ctx, discordOptions(cfg, nil, nil, log), guild); err != nil {
		return err
	}
	where := "globally (may take up to an hour to show)"
	if guild != "" {
		where = "in guild " + guild
	}
	fmt.Fprintf(e.stdout, "commands registered %s\n", where)
	return nil
}
