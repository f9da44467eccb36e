namespace Xiaozhi.AiService.Stub.Media;

/// <summary>The audio format a device asked for in its hello (<c>audio_params.format</c>).</summary>
internal enum AudioFormat
{
    Opus,
    Pcm,
}
