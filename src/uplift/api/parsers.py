"""A parser that takes a whole request body as an uploaded file.

``POST /api/library/imports/`` accepts a multipart upload or the document itself as the
body (``Content-Type: application/json``, ``application/yaml``, ``text/csv``). The raw
body is handed on unparsed, so that the importer reports line numbers of the original
text, and as a ``file`` field, so one serializer validates both ways in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, DataAndFiles

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class RawFileParser(BaseParser):
    """The body → ``{"file": <upload named body.<extension>>}``; subclasses set the type."""

    media_type = "application/octet-stream"
    extension = "bin"

    def parse(
        self,
        stream: IO[Any] | None,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> DataAndFiles:
        body = stream.read(MAX_UPLOAD_BYTES + 1) if stream is not None else b""
        if len(body) > MAX_UPLOAD_BYTES:
            raise ParseError(f"The body is larger than {MAX_UPLOAD_BYTES} bytes.")
        upload = SimpleUploadedFile(f"body.{self.extension}", body, self.media_type)
        return DataAndFiles(MultiValueDict(), MultiValueDict({"file": [upload]}))


class JSONFileParser(RawFileParser):
    media_type = "application/json"
    extension = "json"


class YAMLFileParser(RawFileParser):
    media_type = "application/yaml"
    extension = "yaml"


class CSVFileParser(RawFileParser):
    media_type = "text/csv"
    extension = "csv"


class FileUploadSerializer(serializers.Serializer):
    """A file upload bounded by MAX_UPLOAD_BYTES; import endpoints extend it."""

    file = serializers.FileField(help_text=f"At most {MAX_UPLOAD_BYTES} bytes.")

    def validate_file(self, upload: Any) -> Any:
        if upload.size > MAX_UPLOAD_BYTES:
            raise serializers.ValidationError(f"The file is larger than {MAX_UPLOAD_BYTES} bytes.")
        return upload
