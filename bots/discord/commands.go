package discord

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	discordgo "github.com/bwmarrin/discordgo"
)

// Permissions is what the bot asks for in its invite link, and nothing
// more: see channels, post, post in threads, start threads from messages
// and read a thread's history.
const Permissions = discordgo.PermissionViewChannel | discordgo.PermissionSendMessages |
	discordgo.PermissionSendMessagesInThreads | discordgo.PermissionCreatePublicThreads |
	discordgo.PermissionReadMessageHistory

// InviteURL returns the OAuth2 link that adds the bot to a server, with the
// bot and applications.commands scopes and Permissions.
func InviteURL(appID string) string {
	q := url.Values{}
	q.Set("client_id", appID)
	q.Set("scope", "bot applications.commands")
	q.Set("permissions", strconv.FormatInt(Permissions, 10))
	q.Set("integration_type", "0")
	return "https://discord.com/oauth2/authorize?" + q.Encode()
}

// RegisterCommands replaces the bot's application commands with
// mistralbot's: in one guild (instant, for setup) when guildID is set,
// else globally. opts needs Token and ApplicationID (APIURL and HTTPClient
// are honoured).
func RegisterCommands(ctx context.Context, opts Options, guildID string) error {
	if opts.ApplicationID == "" {
		return errors.New("discord: application_id is required to register commands " +
			"(Developer Portal > your app > General Information > Application ID)")
	}
	a, err := New(opts)
	if err != nil {
		return err
	}
	created, err := a.s.ApplicationCommandBulkOverwrite(opts.ApplicationID, guildID, Commands(), discordgo.WithContext(ctx))
	if err != nil {
		return wrapErr("register commands", err)
	}
	where := "globally (they can take up to an hour to appear)"
	if guildID != "" {
		where = "in guild " + guildID
	}
	a.log.Info("discord: commands registered "+where, "count", len(created))
	return nil
}

// loc builds a localization map for French, German, Italian and Spanish.
func loc(fr, de, it, es string) *map[discordgo.Locale]string {
	return &map[discordgo.Locale]string{discordgo.French: fr, discordgo.German: de, discordgo.Italian: it,
		discordgo.SpanishES: es, discordgo.SpanishLATAM: es}
}

func str(name, desc string, l *map[discordgo.Locale]string, required bool) *discordgo.ApplicationCommandOption {
	o := &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: name,
		Description: desc, Required: required, MaxLength: 6000}
	if l != nil {
		o.DescriptionLocalizations = *l
	}
	return o
}

// Commands returns the application commands mistralbot registers.
func Commands() []*discordgo.ApplicationCommand {
	contexts := &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild, discordgo.InteractionContextBotDM}
	chat := func(name, desc string, l *map[discordgo.Locale]string, opts ...*discordgo.ApplicationCommandOption) *discordgo.ApplicationCommand {
		if opts == nil {
			opts = []*discordgo.ApplicationCommandOption{}
		}
		return &discordgo.ApplicationCommand{Type: discordgo.ChatApplicationCommand, Name: name, Description: desc,
			DescriptionLocalizations: l, Options: opts, Contexts: contexts}
	}
	file := &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionAttachment, Name: "file",
		Description: "A code file", DescriptionLocalizations: *loc("Un fichier de code", "Eine Code-Datei", "Un file di codice", "Un archivo de código")}
	target := str("target", "Target language (fr, de, Japanese...)", loc("Langue cible", "Zielsprache", "Lingua di destinazione", "Idioma de destino"), true)
	target.Autocomplete, target.MaxLength = true, 40
	langCode := str("code", "Language code (fr, de, en...) or auto; empty to show", loc("Code de langue ou auto ; vide pour afficher",
		"Sprachcode oder auto; leer zum Anzeigen", "Codice lingua o auto; vuoto per mostrare", "Código de idioma o auto; vacío para mostrar"), false)
	langCode.Autocomplete, langCode.MaxLength = true, 40
	progLang := str("language", "Programming language", loc("Langage de programmation", "Programmiersprache", "Linguaggio di programmazione", "Lenguaje de programación"), false)
	progLang.MaxLength = 40
	action := str("action", "show, set or clear", loc("afficher, définir ou effacer", "anzeigen, setzen oder löschen", "mostra, imposta o cancella", "mostrar, definir o borrar"), false)
	action.MaxLength = 0
	action.Choices = []*discordgo.ApplicationCommandOptionChoice{{Name: "show", Value: "show"}, {Name: "set", Value: "set"}, {Name: "clear", Value: "clear"}}
	spanOpt := str("span", "24h, 200 (messages), a language code (fr), share", loc("24h, 200 (messages), une langue (en), partager",
		"24h, 200 (Nachrichten), eine Sprache (en), teilen", "24h, 200 (messaggi), una lingua (en), condividi", "24h, 200 (mensajes), un idioma (en), compartir"), false)
	spanOpt.MaxLength = 60
	return []*discordgo.ApplicationCommand{
		chat("ask", "Ask Mistral a question", loc("Poser une question à Mistral", "Mistral eine Frage stellen", "Fai una domanda a Mistral", "Haz una pregunta a Mistral"),
			str("question", "Your question", loc("Votre question", "Deine Frage", "La tua domanda", "Tu pregunta"), true)),
		chat("code", "Get help writing code", loc("Aide pour écrire du code", "Hilfe beim Programmieren", "Aiuto per scrivere codice", "Ayuda para escribir código"),
			str("question", "What the code should do", loc("Ce que le code doit faire", "Was der Code tun soll", "Cosa deve fare il codice", "Qué debe hacer el código"), true), progLang),
		chat("explain", "Explain a piece of code", loc("Expliquer du code", "Code erklären", "Spiega del codice", "Explicar código"),
			str("code", "The code to explain", loc("Le code à expliquer", "Der zu erklärende Code", "Il codice da spiegare", "El código a explicar"), false), file),
		chat("review", "Review a piece of code", loc("Relire du code", "Code prüfen", "Revisiona del codice", "Revisar código"),
			str("code", "The code to review", loc("Le code à relire", "Der zu prüfende Code", "Il codice da revisionare", "El código a revisar"), false), file),
		chat("translate", "Translate a text", loc("Traduire un texte", "Einen Text übersetzen", "Traduci un testo", "Traducir un texto"),
			target, str("text", "The text to translate", loc("Le texte à traduire", "Der zu übersetzende Text", "Il testo da tradurre", "El texto a traducir"), true)),
		chat("lang", "Show or set this channel's language", loc("Afficher ou définir la langue du salon", "Sprache des Kanals anzeigen oder setzen",
			"Mostra o imposta la lingua del canale", "Mostrar o definir el idioma del canal"), langCode),
		chat("prompt", "Show or set this channel's system prompt", loc("Afficher ou définir le prompt système du salon", "System-Prompt des Kanals anzeigen oder setzen",
			"Mostra o imposta il prompt di sistema del canale", "Mostrar o definir el prompt de sistema del canal"),
			action, str("text", "The new system prompt", loc("Le nouveau prompt système", "Der neue System-Prompt", "Il nuovo prompt di sistema", "El nuevo prompt de sistema"), false)),
		chat("usage", "Show token usage and cost", loc("Afficher la consommation", "Verbrauch anzeigen", "Mostra il consumo", "Mostrar el consumo")),
		chat("help", "How to use the bot", loc("Comment utiliser le bot", "So benutzt du den Bot", "Come usare il bot", "Cómo usar el bot")),
		{Type: discordgo.MessageApplicationCommand, Name: "Explain code", Contexts: contexts,
			NameLocalizations: loc("Expliquer le code", "Code erklären", "Spiega il codice", "Explicar el código")},
		chat("summarize", "Summarize this channel or thread", loc("Résumer ce salon ou ce fil", "Diesen Kanal oder Thread zusammenfassen",
			"Riassumi questo canale o thread", "Resumir este canal o hilo"),
			spanOpt),
		chat("digest", "Show or set this channel's daily digest (admins)", loc("Afficher ou définir le résumé quotidien du salon",
			"Tägliche Zusammenfassung des Kanals anzeigen oder setzen", "Mostra o imposta il riassunto quotidiano del canale",
			"Mostrar o definir el resumen diario del canal"),
			str("schedule", "daily 09:00 Europe/Paris, or off", loc("daily 09:00 Europe/Paris, ou off", "daily 09:00 Europe/Berlin, oder off",
				"daily 09:00 Europe/Rome, o off", "daily 09:00 Europe/Madrid, u off"), false)),
		{Type: discordgo.MessageApplicationCommand, Name: SummarizeThreadCommand, Contexts: contexts,
			NameLocalizations: loc("Résumer le fil", "Thread zusammenfassen", "Riassumi il thread", "Resumir el hilo")},
	}
}

// languages offered by autocomplete: code, English name, native name.
var languages = [][3]string{
	{"en", "English", "English"}, {"fr", "French", "Français"}, {"de", "German", "Deutsch"}, {"it", "Italian", "Italiano"},
	{"es", "Spanish", "Español"}, {"pt", "Portuguese", "Português"}, {"nl", "Dutch", "Nederlands"}, {"pl", "Polish", "Polski"},
	{"sv", "Swedish", "Svenska"}, {"da", "Danish", "Dansk"}, {"no", "Norwegian", "Norsk"}, {"fi", "Finnish", "Suomi"},
	{"cs", "Czech", "Čeština"}, {"sk", "Slovak", "Slovenčina"}, {"hu", "Hungarian", "Magyar"}, {"ro", "Romanian", "Română"},
	{"bg", "Bulgarian", "Български"}, {"el", "Greek", "Ελληνικά"}, {"tr", "Turkish", "Türkçe"}, {"ru", "Russian", "Русский"},
	{"uk", "Ukrainian", "Українська"}, {"ar", "Arabic", "العربية"}, {"he", "Hebrew", "עברית"}, {"hi", "Hindi", "हिन्दी"},
	{"ja", "Japanese", "日本語"}, {"zh", "Chinese", "中文"}, {"ko", "Korean", "한국어"}, {"vi", "Vietnamese", "Tiếng Việt"},
	{"th", "Thai", "ไทย"}, {"id", "Indonesian", "Bahasa Indonesia"}, {"ca", "Catalan", "Català"}, {"hr", "Croatian", "Hrvatski"},
}

// languageChoices returns up to 25 autocomplete choices matching typed
// (a code or a name, English or native); auto adds "auto" for /lang.
func languageChoices(typed string, auto bool) []*discordgo.ApplicationCommandOptionChoice {
	typed = strings.ToLower(strings.TrimSpace(typed))
	out := []*discordgo.ApplicationCommandOptionChoice{}
	if auto && strings.HasPrefix("auto", typed) {
		out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: "auto (the asker's language)", Value: "auto"})
	}
	for _, l := range languages {
		if len(out) == 25 {
			break
		}
		if typed == "" || strings.HasPrefix(l[0], typed) || strings.Contains(strings.ToLower(l[1]), typed) ||
			strings.Contains(strings.ToLower(l[2]), typed) {
			name := l[2]
			if l[1] != l[2] {
				name = fmt.Sprintf("%s (%s)", l[2], l[1])
			}
			out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: name + " · " + l[0], Value: l[0]})
		}
	}
	return out
}
