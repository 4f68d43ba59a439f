package booking

// The texts of the messages a booking sends, in Polish and English. Text
// messages stay short: with Polish letters an SMS holds 70 characters a
// part, so the code's message fits in one.
var messageTexts = map[string]map[string]string{
	"pl": {
		"code.subject": "Kod potwierdzenia wizyty",
		"code.text":    "Kod potwierdzenia wizyty: {code}. Ważny {minutes} min. Nie podawaj go nikomu.",

		"confirm.subject": "Wizyta {date} o {time}, numer {number}",
		"confirm.sms":     "Wizyta potwierdzona: {date} godz. {time}, {office}, {address}. Twój numer: {number}. Przyjdź 5-10 min wcześniej. Odwołanie: {cancel}",
		"confirm.email": "Dzień dobry,\n\npotwierdzamy wizytę:\n\n" +
			"  Sprawa:  {service}\n  Data:    {date}, godz. {time}\n  Biuro:   {office}, {address}\n  Numer:   {number}\n\n" +
			"Prosimy przyjść 5-10 minut przed umówioną godziną. O tej godzinie system sam doda Twój numer do kolejki; " +
			"wezwanie zobaczysz na ekranach w sali i na stronie biletu:\n{link}\n\n" +
			"Jeśli nie możesz przyjść, odwołaj wizytę, by ktoś inny mógł z niej skorzystać:\n{cancel}\n\n" +
			"W załączniku jest plik kalendarza (wizyta.ics).\n",
		"confirm.ics.summary":     "{service}: wizyta, numer {number}",
		"confirm.ics.description": "Numer: {number}. Przyjdź 5-10 minut wcześniej.\nBilet i odwołanie wizyty: {link}",
	},
	"en": {
		"code.subject": "Your visit confirmation code",
		"code.text":    "Your visit confirmation code: {code}. Valid for {minutes} min. Do not give it to anyone.",

		"confirm.subject": "Visit on {date} at {time}, number {number}",
		"confirm.sms":     "Visit confirmed: {date} at {time}, {office}, {address}. Your number: {number}. Come 5-10 min early. Cancel: {cancel}",
		"confirm.email": "Hello,\n\nyour visit is booked:\n\n" +
			"  Matter:  {service}\n  Date:    {date}, {time}\n  Office:  {office}, {address}\n  Number:  {number}\n\n" +
			"Please come 5-10 minutes before your time. At that time the system adds your number to the queue by itself; " +
			"you will see the call on the hall's screens and on your ticket's page:\n{link}\n\n" +
			"If you cannot come, cancel the visit so that someone else can have it:\n{cancel}\n\n" +
			"The calendar file (wizyta.ics) is attached.\n",
		"confirm.ics.summary":     "{service}: visit, number {number}",
		"confirm.ics.description": "Number: {number}. Come 5-10 minutes early.\nTicket and cancelling: {link}",
	},
}

// texts returns the message texts in lang, Polish by default.
func texts(lang string) map[string]string {
	if t, ok := messageTexts[lang]; ok {
		return t
	}
	return messageTexts["pl"]
}
