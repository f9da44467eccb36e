using Microsoft.Extensions.Hosting;
using Xiaozhi.Im.Service.Auth;

namespace Xiaozhi.Im.Service.Tests.Auth;

/// <summary>Issue 25 B6: a secret this repository publishes is refused outside Development; short real ones are not.</summary>
public sealed class SampleSecretValidationTests
{
    public static IEnumerable<string> Shipped => SampleSecrets.All;

    [TestCaseSource(nameof(Shipped))]
    public void A_shipped_secret_is_refused_in_production_with_a_message_naming_the_setting(string secret)
    {
        var result = new AuthOptionsValidator(HostEnvironments.Production).Validate(null, new AuthOptions { JwtSecret = secret });

        result.Failed.Should().BeTrue();
        result.Failures.Should().ContainSingle().Which.Should()
            .StartWith("Auth:JwtSecret is a sample or development secret").And.Contain("Production environment");
    }

    [Test]
    public void Any_environment_but_development_refuses_it_and_surrounding_blanks_do_not_hide_it()
    {
        new AuthOptionsValidator(HostEnvironments.Named(Environments.Staging)).Validate(null, new AuthOptions { JwtSecret = " change-me\n" })
            .Failed.Should().BeTrue();
    }

    [Test]
    public void Development_accepts_a_shipped_secret()
    {
        new AuthOptionsValidator(HostEnvironments.Development).Validate(null, new AuthOptions { JwtSecret = "xiaozhi-dev-secret-change-me-before-deploying" })
            .Succeeded.Should().BeTrue();
    }

    [Test]
    public void A_short_real_secret_stays_allowed_in_production()
    {
        // The Go service's server.token may be short; it gets the start-up warning 1002, not a refusal.
        new AuthOptionsValidator(HostEnvironments.Production).Validate(null, new AuthOptions { JwtSecret = "abc" }).Succeeded.Should().BeTrue();
    }

    [Test]
    public void With_auth_disabled_the_secret_is_not_used_and_not_checked()
    {
        new AuthOptionsValidator(HostEnvironments.Production).Validate(null, new AuthOptions { Enabled = false, JwtSecret = "change-me" })
            .Succeeded.Should().BeTrue();
    }
}
