"""The engine's own phrases (re-prompts, help, reminders) in each language.

Kept short on purpose: each one is appended to a question, and every SMS
prompt should fit in two segments.
"""

from __future__ import annotations

from flows.texts import LocalText

PHRASES: dict[str, LocalText] = {
    "not_understood": {
        "en": "Sorry, I didn't catch that.",
        "es": "Perdón, no le entendí.",
    },
    "out_of_range": {
        "en": "That number is outside the range.",
        "es": "Ese número está fuera del rango.",
    },
    "pick_one": {
        "en": "Please choose just one.",
        "es": "Elija solo una opción.",
    },
    "not_an_option": {
        "en": "That isn't one of the options.",
        "es": "Esa no es una de las opciones.",
    },
    "whole_number": {
        "en": "Please use a whole number.",
        "es": "Use un número entero.",
    },
    "empty": {
        "en": "I didn't get any text.",
        "es": "No recibí ningún texto.",
    },
    "confirm": {
        "en": 'To be sure I have it right: "{answer}"? Reply YES, or reply with your answer.',
        "es": 'Para asegurarme: ¿"{answer}"? Responda SÍ, o responda con su respuesta.',
    },
    "help": {
        "en": "Reply SKIP to skip this question.",
        "es": "Responda SALTAR para omitir esta pregunta.",
    },
    "moving_on": {
        "en": "No problem, let's move on.",
        "es": "No hay problema, sigamos.",
    },
    "reminder": {
        "en": "Reminder:",
        "es": "Recordatorio:",
    },
}
