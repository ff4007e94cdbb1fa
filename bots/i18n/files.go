package i18n

// Keys of the notices about attached files that were not read (images,
// documents): one line per file, in the answer's notices.
const (
	// FileTooBig(name string): the file is over the size limit (or an
	// image with more pixels than the bot decodes, or a zip that inflates
	// past its bound).
	FileTooBig Key = "file_too_big"
	// FileUnsupported(name string): the bot does not read this type.
	FileUnsupported Key = "file_unsupported"
	// FileUnreadable(name string): the file could not be fetched or
	// decoded.
	FileUnreadable Key = "file_unreadable"
	// ImagesNotRead: the model takes no images; it answered from the text.
	ImagesNotRead Key = "images_not_read"
	// TooManyImages(limit int): only the first limit images were read.
	TooManyImages Key = "too_many_images"
	// FileEncrypted(name string): a password-protected document.
	FileEncrypted Key = "file_encrypted"
	// FileNoText(name string): a document with no text layer, such as a
	// PDF of scanned pages.
	FileNoText Key = "file_no_text"
	// OCRBusy: reading scanned pages with OCR failed for a reason that
	// passes (rate limited, unavailable, timed out); it follows FileNoText.
	OCRBusy Key = "ocr_busy"
	// OCRRefused: the OCR service refused the document (or the key).
	OCRRefused Key = "ocr_refused"
	// FileOCRCapped(name string, pages int): only the first pages of a
	// scanned document were read with OCR.
	FileOCRCapped Key = "file_ocr_capped"
	// VoiceNotRead(name string): a voice note or audio file, not read.
	VoiceNotRead Key = "voice_not_read"
	// VoiceTooLong(name string, secs, max int): a voice note longer than
	// bot.voice_max_seconds, not transcribed.
	VoiceTooLong Key = "voice_too_long"
	// VoiceBusy(name, code string): transcription failed, for a while.
	VoiceBusy Key = "voice_busy"
	// VoiceRefused(name, code string): transcription was refused.
	VoiceRefused Key = "voice_refused"
)

// fileKeys are the keys above, for Keys and noticeKeys.
func fileKeys() []Key {
	return []Key{FileTooBig, FileUnsupported, FileUnreadable, ImagesNotRead, TooManyImages, FileEncrypted, FileNoText,
		OCRBusy, OCRRefused, FileOCRCapped, VoiceNotRead, VoiceTooLong, VoiceBusy, VoiceRefused}
}

// fileText returns the file notices of a catalog language.
func fileText(lang string, k Key) string {
	if s := fileTexts[lang][k]; s != "" {
		return s
	}
	return toolText(lang, k) // the tool texts (tools.go) come next
}

// fileTexts is built once, when the package loads: as a literal inside
// fileText it was built again on every call, a map per language each
// time (issue 20: the i18n texts were a fifth of the bytes allocated
// per answer at 1,000 conversations, heap profile alloc_space).
var fileTexts = map[string]map[Key]string{
	"en": {
		FileTooBig:      "_(I didn't read the file `%[1]s`: it's too big.)_",
		FileUnsupported: "_(I can't read files like `%[1]s`, so I left it out.)_",
		FileUnreadable:  "_(I couldn't read the file `%[1]s`.)_",
		ImagesNotRead:   "_(This model doesn't read images, so I answered from the text only.)_",
		TooManyImages:   "_(I only looked at the first %[1]d images.)_",
		FileEncrypted:   "_(I couldn't read the file `%[1]s`: it's password-protected.)_",
		FileNoText:      "_(The file `%[1]s` has no text I can read: it looks like scanned pages.)_",
		OCRBusy:         "_(Reading its pages with OCR failed: the service is busy or down (%[1]s); try again later.)_",
		OCRRefused:      "_(Reading its pages with OCR failed: the service refused it (%[1]s).)_",
		FileOCRCapped:   "_(I read only the first %[2]d pages of `%[1]s` (scanned, read with OCR).)_",
		VoiceNotRead:    "_(I don't listen to voice notes or audio, so I left `%[1]s` out.)_",
		VoiceTooLong:    "_(I didn't listen to `%[1]s`: it lasts %[2]d s, more than the %[3]d s I transcribe.)_",
		VoiceBusy:       "_(I couldn't transcribe `%[1]s`: the service is busy or down (%[2]s); try again later.)_",
		VoiceRefused:    "_(I couldn't transcribe `%[1]s`: the service refused it (%[2]s).)_",
	},
	"fr": {
		FileTooBig:      "_(Je n'ai pas lu le fichier `%[1]s` : il est trop gros.)_",
		FileUnsupported: "_(Je ne sais pas lire les fichiers comme `%[1]s`, je l'ai donc laissé de côté.)_",
		FileUnreadable:  "_(Je n'ai pas pu lire le fichier `%[1]s`.)_",
		ImagesNotRead:   "_(Ce modèle ne lit pas les images : j'ai répondu à partir du texte seulement.)_",
		TooManyImages:   "_(Je n'ai regardé que les %[1]d premières images.)_",
		FileEncrypted:   "_(Je n'ai pas pu lire le fichier `%[1]s` : il est protégé par un mot de passe.)_",
		FileNoText:      "_(Le fichier `%[1]s` ne contient pas de texte que je puisse lire : on dirait des pages numérisées.)_",
		OCRBusy:         "_(La lecture de ses pages par OCR a échoué : le service est occupé ou indisponible (%[1]s) ; réessayez plus tard.)_",
		OCRRefused:      "_(La lecture de ses pages par OCR a échoué : le service l'a refusée (%[1]s).)_",
		FileOCRCapped:   "_(Je n'ai lu que les %[2]d premières pages de `%[1]s` (numérisé, lu par OCR).)_",
		VoiceNotRead:    "_(Je n'écoute pas les messages vocaux ni l'audio, j'ai donc laissé `%[1]s` de côté.)_",
		VoiceTooLong:    "_(Je n'ai pas écouté `%[1]s` : il dure %[2]d s, plus que les %[3]d s que je transcris.)_",
		VoiceBusy:       "_(Je n'ai pas pu transcrire `%[1]s` : le service est occupé ou indisponible (%[2]s) ; réessayez plus tard.)_",
		VoiceRefused:    "_(Je n'ai pas pu transcrire `%[1]s` : le service l'a refusé (%[2]s).)_",
	},
	"de": {
		FileTooBig:      "_(Die Datei `%[1]s` habe ich nicht gelesen: Sie ist zu groß.)_",
		FileUnsupported: "_(Dateien wie `%[1]s` kann ich nicht lesen, deshalb habe ich sie ausgelassen.)_",
		FileUnreadable:  "_(Die Datei `%[1]s` konnte ich nicht lesen.)_",
		ImagesNotRead:   "_(Dieses Modell liest keine Bilder, daher habe ich nur anhand des Textes geantwortet.)_",
		TooManyImages:   "_(Ich habe nur die ersten %[1]d Bilder angesehen.)_",
		FileEncrypted:   "_(Die Datei `%[1]s` konnte ich nicht lesen: Sie ist passwortgeschützt.)_",
		FileNoText:      "_(Die Datei `%[1]s` enthält keinen Text, den ich lesen kann: Sie sieht nach eingescannten Seiten aus.)_",
		OCRBusy:         "_(Das Lesen der Seiten per OCR ist fehlgeschlagen: Der Dienst ist ausgelastet oder nicht erreichbar (%[1]s); bitte später erneut versuchen.)_",
		OCRRefused:      "_(Das Lesen der Seiten per OCR ist fehlgeschlagen: Der Dienst hat es abgelehnt (%[1]s).)_",
		FileOCRCapped:   "_(Ich habe nur die ersten %[2]d Seiten von `%[1]s` gelesen (eingescannt, per OCR gelesen).)_",
		VoiceNotRead:    "_(Sprachnachrichten und Audio höre ich nicht, deshalb habe ich `%[1]s` ausgelassen.)_",
		VoiceTooLong:    "_(`%[1]s` habe ich nicht angehört: Sie dauert %[2]d s, länger als die %[3]d s, die ich transkribiere.)_",
		VoiceBusy:       "_(`%[1]s` konnte ich nicht transkribieren: Der Dienst ist ausgelastet oder nicht erreichbar (%[2]s); bitte später erneut versuchen.)_",
		VoiceRefused:    "_(`%[1]s` konnte ich nicht transkribieren: Der Dienst hat es abgelehnt (%[2]s).)_",
	},
	"it": {
		FileTooBig:      "_(Non ho letto il file `%[1]s`: è troppo grande.)_",
		FileUnsupported: "_(Non so leggere file come `%[1]s`, quindi l'ho tralasciato.)_",
		FileUnreadable:  "_(Non sono riuscito a leggere il file `%[1]s`.)_",
		ImagesNotRead:   "_(Questo modello non legge le immagini, quindi ho risposto solo in base al testo.)_",
		TooManyImages:   "_(Ho guardato solo le prime %[1]d immagini.)_",
		FileEncrypted:   "_(Non sono riuscito a leggere il file `%[1]s`: è protetto da password.)_",
		FileNoText:      "_(Il file `%[1]s` non contiene testo che io possa leggere: sembrano pagine scansionate.)_",
		OCRBusy:         "_(La lettura delle pagine con OCR non è riuscita: il servizio è occupato o non disponibile (%[1]s); riprova più tardi.)_",
		OCRRefused:      "_(La lettura delle pagine con OCR non è riuscita: il servizio l'ha rifiutata (%[1]s).)_",
		FileOCRCapped:   "_(Ho letto solo le prime %[2]d pagine di `%[1]s` (scansionato, letto con OCR).)_",
		VoiceNotRead:    "_(Non ascolto messaggi vocali né audio, quindi ho tralasciato `%[1]s`.)_",
		VoiceTooLong:    "_(Non ho ascoltato `%[1]s`: dura %[2]d s, più dei %[3]d s che trascrivo.)_",
		VoiceBusy:       "_(Non sono riuscito a trascrivere `%[1]s`: il servizio è occupato o non disponibile (%[2]s); riprova più tardi.)_",
		VoiceRefused:    "_(Non sono riuscito a trascrivere `%[1]s`: il servizio l'ha rifiutato (%[2]s).)_",
	},
	"es": {
		FileTooBig:      "_(No he leído el archivo `%[1]s`: es demasiado grande.)_",
		FileUnsupported: "_(No sé leer archivos como `%[1]s`, así que lo he dejado fuera.)_",
		FileUnreadable:  "_(No he podido leer el archivo `%[1]s`.)_",
		ImagesNotRead:   "_(Este modelo no lee imágenes, así que he respondido solo a partir del texto.)_",
		TooManyImages:   "_(Solo he mirado las primeras %[1]d imágenes.)_",
		FileEncrypted:   "_(No he podido leer el archivo `%[1]s`: está protegido con contraseña.)_",
		FileNoText:      "_(El archivo `%[1]s` no tiene texto que pueda leer: parecen páginas escaneadas.)_",
		OCRBusy:         "_(No he podido leer sus páginas con OCR: el servicio está ocupado o caído (%[1]s); inténtalo más tarde.)_",
		OCRRefused:      "_(No he podido leer sus páginas con OCR: el servicio lo ha rechazado (%[1]s).)_",
		FileOCRCapped:   "_(Solo he leído las primeras %[2]d páginas de `%[1]s` (escaneado, leído con OCR).)_",
		VoiceNotRead:    "_(No escucho notas de voz ni audio, así que he dejado fuera `%[1]s`.)_",
		VoiceTooLong:    "_(No he escuchado `%[1]s`: dura %[2]d s, más de los %[3]d s que transcribo.)_",
		VoiceBusy:       "_(No he podido transcribir `%[1]s`: el servicio está ocupado o caído (%[2]s); inténtalo más tarde.)_",
		VoiceRefused:    "_(No he podido transcribir `%[1]s`: el servicio lo ha rechazado (%[2]s).)_",
	},
}
