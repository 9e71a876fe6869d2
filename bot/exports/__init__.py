"""Exports of check-in answers: CSV for spreadsheets, FHIR R4 for an EHR."""

from bot.exports.records import ExportFilter
from bot.exports.responses import FORMATS, Export, Format, export_responses

__all__ = ["FORMATS", "Export", "ExportFilter", "Format", "export_responses"]
