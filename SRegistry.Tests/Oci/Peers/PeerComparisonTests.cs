namespace SRegistry.Tests.Oci.Peers;

/// <summary>
/// The reference registry as a peer (issue 18 item 6): the same request sequences go to distribution 2.8 and to
/// SRegistry; each must answer the statuses the spec asks for, and both must agree on what clients read (status,
/// error code, Docker-Content-Digest, Location, Range, Content-Range, Content-Type, OCI-Subject, Content-Length, Link,
/// tags, body) except where <see cref="AllowedDifferences"/> names the step and says why. A failure shows both answers.
/// </summary>
public sealed class PeerComparisonTests(OciRegistries registries) : IClassFixture<OciRegistries>
{
    public static TheoryData<string> Sequences => new(PeerSequences.All.Select(s => s.Name));

    [Theory, MemberData(nameof(Sequences))]
    public async Task The_reference_registry_answers_as_the_sequence_expects(string name)
    {
        Assert.SkipUnless(OciRegistries.ToolsAvailable, "docker-registry is not installed");
        var sequence = PeerSequences.All.Single(s => s.Name == name);
        var answers = await PeerClient.RunAsync(registries.Distribution, sequence);

        var problems = new List<string>();
        for (var i = 0; i < sequence.Steps.Count; i++)
        {
            var step = sequence.Steps[i];
            if (answers[i].Status != (step.ReferenceStatus ?? step.Status))
            {
                problems.Add($"{step}: expected {step.ReferenceStatus ?? step.Status}, got {answers[i].Shown}");
            }
            if (step.Tags is not null && !AllowedDifferences.Allows(name, step.Label, "tags")
                && !(answers[i].Tags ?? ["(not a tag list)"]).SequenceEqual(step.Tags))
            {
                problems.Add($"{step}: expected tags [{string.Join(',', step.Tags)}], got {answers[i].Shown}");
            }
        }
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Theory, MemberData(nameof(Sequences))]
    public async Task SRegistry_answers_as_the_spec_asks_and_as_the_reference_registry_does(string name)
    {
        Assert.SkipUnless(OciRegistries.ToolsAvailable, "docker-registry is not installed");
        var sregistry = registries.SRegistry;
        var sequence = PeerSequences.All.Single(s => s.Name == name);
        var reference = await PeerClient.RunAsync(registries.Distribution, sequence);
        var ours = await PeerClient.RunAsync(sregistry, sequence);

        var problems = new List<string>();
        for (var i = 0; i < sequence.Steps.Count; i++)
        {
            var step = sequence.Steps[i];
            var mismatches = new List<string>();
            if (ours[i].Status != step.Status && !AllowedDifferences.AllowsStatus(sequence.Name, step.Label))
            {
                mismatches.Add($"spec asks for {step.Status}");
            }
            if (step.Tags is not null && !(ours[i].Tags ?? ["(not a tag list)"]).SequenceEqual(step.Tags))
            {
                mismatches.Add($"spec asks for tags [{string.Join(',', step.Tags)}]");
            }
            foreach (var (aspect, value) in reference[i].Aspects)
            {
                var mine = ours[i].Aspects[aspect];
                var same = aspect == "tags"
                    ? (mine?.Split(',').Order(StringComparer.Ordinal)).SequenceEqualOrBothNull(value?.Split(',').Order(StringComparer.Ordinal))
                    : mine == value;
                if (!same && !AllowedDifferences.Allows(name, step.Label, aspect))
                {
                    mismatches.Add($"{aspect}: reference '{value}', SRegistry '{mine}'");
                }
            }
            if (mismatches.Count > 0)
            {
                problems.Add($"{step}: {string.Join("; ", mismatches)}\n  distribution: {reference[i].Shown}\n  sregistry:    {ours[i].Shown}");
            }
        }
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Every_step_where_the_reference_departs_from_the_spec_has_a_listed_reason()
    {
        var unexplained = PeerSequences.All.SelectMany(s => s.Steps.Where(step => step.ReferenceStatus is not null
            && !AllowedDifferences.Allows(s.Name, step.Label, "status")).Select(step => $"{s.Name}/{step.Label}"));
        Assert.Empty(unexplained);
        var stale = AllowedDifferences.All.Concat(AllowedDifferences.ObjectStore).Where(d => !PeerSequences.All.Any(s => s.Name == d.Sequence && s.Steps.Any(step => step.Label == d.Step)));
        Assert.Empty(stale);
        Assert.All(PeerSequences.All, s => Assert.Equal(s.Steps.Count, s.Steps.Select(step => step.Label).Distinct().Count()));
    }
}

internal static class SequenceExtensions
{
    public static bool SequenceEqualOrBothNull(this IEnumerable<string>? first, IEnumerable<string>? second) =>
        first is null || second is null ? first is null && second is null : first.SequenceEqual(second);
}
