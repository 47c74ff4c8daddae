using System.Text.Json;
using Microsoft.Playwright;

namespace SRegistry.Tests.Browser;

/// <summary>
/// What issue 16 saw on the container page at phone width besides its width: table rows (one label and one value each
/// on a phone) with nothing visible beside the label, and copy commands cut off. A command box scrolls sideways by
/// design (focusable, so the keyboard can scroll it), so "not cut off" means: on screen, wide enough to read, not
/// covered, and scrollable to its last character.
/// </summary>
public static class PhoneLayoutChecks
{
    private const string LabelledRows = """
        w => {
          const rows = [...document.querySelectorAll('td[data-label]')].filter(td => td.offsetParent !== null);
          const problems = rows.map(td => {
            const label = td.getAttribute('data-label');
            const shown = getComputedStyle(td, '::before').content;
            const value = document.createRange();
            value.selectNodeContents(td);
            const box = value.getBoundingClientRect();
            if (!shown.includes(label)) return label + ': the label is not shown (' + shown + ')';
            if (td.innerText.trim() === '' || box.width < 1) return label + ': no value shown';
            if (box.left < -1 || box.right > w + 1) return label + ': the value is off screen at ' + Math.round(box.left) + '..' + Math.round(box.right);
            return null;
          }).filter(p => p);
          return { count: rows.length, problems };
        }
        """;

    private const string CopyCommands = """
        w => {
          const boxes = [...document.querySelectorAll('.copy-command__text')].filter(c => c.offsetParent !== null);
          const problems = boxes.map(c => {
            c.scrollIntoView({ block: 'center' });
            const r = c.getBoundingClientRect();
            const found = [];
            if (r.left < -1 || r.right > w + 1) found.push('box off screen at ' + Math.round(r.left) + '..' + Math.round(r.right));
            if (c.clientWidth < 120) found.push('only ' + c.clientWidth + ' px wide');
            const overflow = getComputedStyle(c).overflowX;
            if (c.scrollWidth > c.clientWidth && overflow !== 'auto' && overflow !== 'scroll') found.push('cut off (overflow ' + overflow + ')');
            c.scrollLeft = c.scrollWidth;
            if (c.scrollLeft + c.clientWidth < c.scrollWidth - 1) found.push('cannot be scrolled to its end');
            c.scrollLeft = 0;
            const hit = document.elementFromPoint(r.right - 3, r.top + r.height / 2);
            if (!c.contains(hit)) found.push('covered at its right edge by ' + (hit ? hit.tagName + '.' + hit.className : 'nothing'));
            return found.length ? c.textContent.slice(0, 50) + ': ' + found.join(', ') : null;
          }).filter(p => p);
          return { count: boxes.length, problems };
        }
        """;

    /// <summary>Problems found, each a line naming the row or command; also when there are too few of either to check.</summary>
    public static async Task<List<string>> LabelsAndCommandsAsync(IPage page, int width)
    {
        var problems = new List<string>();
        var rows = await page.EvaluateAsync<JsonElement>(LabelledRows, width);
        // Two images with five labelled cells each (tags, size, hash, uploaded, downloads).
        if (rows.GetProperty("count").GetInt32() < 10)
        {
            problems.Add($"container page: only {rows.GetProperty("count").GetInt32()} labelled rows to check");
        }
        problems.AddRange(rows.GetProperty("problems").EnumerateArray().Select(p => $"container page row {p.GetString()}"));
        var commands = await page.EvaluateAsync<JsonElement>(CopyCommands, width);
        // Hash and two pull commands per image.
        if (commands.GetProperty("count").GetInt32() < 6)
        {
            problems.Add($"container page: only {commands.GetProperty("count").GetInt32()} copy commands to check");
        }
        problems.AddRange(commands.GetProperty("problems").EnumerateArray().Select(p => $"container page command {p.GetString()}"));
        return problems;
    }
}
